"""The HTTP service: thin routers over the Screener, the service layer and the store."""
