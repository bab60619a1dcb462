"""The pages' words in English and 简体中文, and the choice of language.

Every message is one entry of :data:`MESSAGES`: a key, the English text and the Chinese text,
with ``{named}`` placeholders filled by :func:`translate`. The reader's language is the one they
chose with the switch on every page (a cookie), else the first of English and Chinese in their
browser's Accept-Language, else English. Data shown as published — list entries, licence
requirements, a list's legal effect — stays in the language of its publisher.
"""

from __future__ import annotations

import logging

LANGS = ("en", "zh")
DEFAULT = "en"
log = logging.getLogger("clearway.web")

MESSAGES: dict[str, tuple[str, str]] = {
    # -- frame, navigation, roles
    "nav.skip": ("Skip to the content", "跳至正文"),
    "nav.label": ("Main", "主导航"),
    "nav.language": ("Language", "语言"),
    "nav.search": ("Search", "检索"),
    "nav.compare": ("Compare", "比对"),
    "nav.cases": ("Cases", "合作项目"),
    "nav.batch": ("Batch", "批量筛查"),
    "nav.lists": ("Lists", "名单"),
    "nav.landscape": ("Landscape", "名单概览"),
    "nav.signout": ("Sign out", "退出"),
    "role.viewer": ("viewer", "查看者"),
    "role.analyst": ("analyst", "分析员"),
    "role.reviewer": ("reviewer", "审核员"),
    "role.admin": ("admin", "管理员"),
    "footer.note": ("Clearway screens names against published restricted-party lists. It is not legal advice.",
                    "Clearway 依据公开发布的限制性名单进行筛查，不构成法律意见。"),
    # -- sign-in
    "signin.title": ("Sign in", "登录"),
    "signin.lead": ("Sign in with your username and password, or with an API key.",
                    "请使用用户名和密码登录，或使用 API 密钥登录。"),
    "signin.password_h": ("Username and password", "用户名和密码"),
    "signin.username": ("Username", "用户名"),
    "signin.password": ("Password", "密码"),
    "signin.key_h": ("API key", "API 密钥"),
    "signin.key": ("API key", "API 密钥"),
    "signin.key_help": ("The key printed by `clearway keys create` (cw_…).", "由 `clearway keys create` 生成的密钥（cw_…）。"),
    "signin.submit": ("Sign in", "登录"),
    "signin.failed": ("Sign-in failed: the username and password, or the key, are not valid.",
                      "登录失败：用户名和密码或密钥无效。"),
    "signin.expired": ("Your session has ended.", "您的会话已结束。"),
    # -- errors
    "error.title": ("Something went wrong", "出现问题"),
    "error.home": ("Back to the start page", "返回首页"),
    "error.csrf": ("This form has expired or did not come from this site (missing security token). Reload the page and try again.",
                   "表单已过期或并非来自本站（缺少安全令牌）。请刷新页面后重试。"),
    "error.role": ("This page needs the {role} role; you are signed in as {has}.",
                   "此页面需要“{role}”角色；您当前的角色是“{has}”。"),
    "error.case_scope": ("Your key is limited to case {case}.", "您的密钥仅限访问项目 {case}。"),
    "error.rate": ("Too many requests; try again in {seconds} s.", "请求过多，请在 {seconds} 秒后重试。"),
    "error.bad_form": ("The form could not be read.", "无法读取该表单。"),
    "error.too_large": ("This is too large: a form or an uploaded file may be at most {mb} MB.",
                        "内容过大：表单或上传的文件最多 {mb} MB。"),
    "error.no_case": ("There is no case {case}.", "不存在项目 {case}。"),
    "error.no_batch": ("There is no such batch.", "不存在该批量任务。"),
    "error.no_diff": ("There is no diff for {source}: it needs two versions.", "{source} 没有可比较的差异：需要两个版本。"),
    "error.not_found": ("Not found.", "未找到。"),
    # -- search
    "search.title": ("Search the lists", "检索名单"),
    "search.label": ("Name of a company, university, institute or person", "公司、大学、研究机构或个人的名称"),
    "search.placeholder": ("华为技术有限公司 · Tsinghua University · Beijing Nuodian Keji", "华为技术有限公司 · Tsinghua University · 電子科技大學"),
    "search.help": ("English, Chinese characters (simplified or traditional) or pinyin. Results appear as you type.",
                    "可输入英文、汉字（简体或繁体）或拼音。输入时即显示结果。"),
    "search.submit": ("Search", "检索"),
    "search.options": ("Options: country, type, lists", "选项：国家、类型、名单"),
    "search.country": ("Country (ISO code)", "国家（ISO 代码）"),
    "search.country_help": ("Two letters, e.g. CN, HK, US.", "两个字母，如 CN、HK、US。"),
    "search.schema": ("Type of party", "主体类型"),
    "search.lists": ("Lists", "名单"),
    "search.results": ("Results", "检索结果"),
    "search.empty": ("Type a name to screen it against every loaded list.", "输入名称，即可与所有已加载名单进行比对。"),
    "search.none": ("No listed party matches “{q}”.", "没有与“{q}”匹配的受限主体。"),
    "search.count": ("Listed parties matching “{q}”: {n}", "与“{q}”匹配的受限主体：{n} 个"),
    "search.threshold": ("threshold {threshold}", "阈值 {threshold}"),
    "search.versions": ("List versions", "名单版本"),
    "search.to_compare": ("Compare two names side by side →", "并排比对两个名称 →"),
    "schema.any": ("Any", "不限"),
    "schema.Organization": ("Organisation", "机构"),
    "schema.Person": ("Person", "个人"),
    "lists.choice.all": ("All lists", "全部名单"),
    "lists.choice.us": ("US lists", "美国名单"),
    "lists.choice.cn": ("China's lists", "中国名单"),
    "match.score": ("Score", "匹配分数"),
    "match.lists": ("Lists", "所在名单"),
    "match.former": ("formerly listed", "曾被列入"),
    "match.matched": ("Matched name", "匹配的名称"),
    "match.also": ("Also listed as", "其他名称"),
    "match.countries": ("Countries", "国家/地区"),
    "match.listings": ("Listings ({n}): legal effect and citations", "列名记录（{n}）：法律效力与依据"),
    "match.ended": ("ended {date}", "已于 {date} 移除"),
    "kind.primary": ("primary name", "主名称"),
    "kind.alias": ("alias", "别名"),
    "kind.native": ("name in original script", "原文名称"),
    "kind.former": ("former name", "曾用名"),
    "kind.weak": ("weak alias", "弱别名"),
    "kind.acronym": ("acronym", "缩写"),
    "listing.requirement": ("Licence requirement", "许可要求"),
    "listing.policy": ("Licence review policy", "许可审查政策"),
    "listing.effect": ("Legal effect", "法律效力"),
    "listing.english_only": ("(as published, in English)", "（按发布原文，英文）"),
    "listing.rule": ("Rule", "法规依据"),
    "listing.fr": ("Federal Register", "《联邦公报》"),
    "listing.programme": ("Programme", "制裁项目"),
    "listing.since": ("Listed since", "列入日期"),
    "listing.publisher": ("Publisher", "发布机构"),
    "listing.publisher_link": ("publisher's record", "发布机构原始记录"),
    "listing.list_page": ("the list's page", "名单页面"),
    "listing.record": ("Record", "记录"),
    # -- compare
    "compare.title": ("Compare two names", "比对两个名称"),
    "compare.lead": ("The score and explanation a reviewer reads when adjudicating a hit.", "审核员裁定命中时参考的分数与解释。"),
    "compare.a": ("First name", "名称一"),
    "compare.b": ("Second name (as listed)", "名称二（名单所列）"),
    "compare.submit": ("Compare", "比对"),
    "compare.result": ("Result", "比对结果"),
    "compare.match": ("The same party by the default threshold", "按默认阈值判定为同一主体"),
    "compare.nomatch": ("Not a match by the default threshold", "按默认阈值判定为不匹配"),
    "compare.read_as": ("Read as", "读作"),
    # -- cases
    "cases.title": ("Cases", "合作项目审查"),
    "cases.lead": ("A case is a proposed collaboration: its parties are screened and its topics and activities checked against the rules.",
                   "每个项目即一项拟议的合作：筛查各合作方，并依据规则审查技术主题与合作活动。"),
    "cases.list": ("All cases", "全部项目"),
    "cases.case": ("Case", "项目"),
    "cases.assessment": ("Assessment", "评估结论"),
    "cases.status": ("Status", "状态"),
    "cases.status.open": ("open", "进行中"),
    "cases.status.closed": ("closed", "已结案"),
    "cases.updated": ("Updated", "更新时间"),
    "cases.none": ("No cases yet.", "暂无项目。"),
    "cases.new": ("New case", "新建项目"),
    "cases.upload_h": ("Upload a case file", "上传项目文件"),
    "cases.file": ("Case file (YAML or JSON)", "项目文件（YAML 或 JSON）"),
    "cases.file_help": ("In the format of case.schema.json; see examples/cases/.", "格式见 case.schema.json，示例见 examples/cases/。"),
    "cases.upload": ("Upload and vet", "上传并审查"),
    "cases.write_h": ("Or describe it here", "或在此填写"),
    "cases.f.title": ("Title", "项目名称"),
    "cases.f.title_zh": ("Title in Chinese (optional)", "中文名称（可选）"),
    "cases.f.summary": ("Summary (optional)", "项目简介（可选）"),
    "cases.f.topics": ("Topics", "技术主题"),
    "cases.f.topics_help": ("Separated by commas, in English or Chinese.", "以逗号分隔，中英文均可。"),
    "cases.f.activities": ("What the collaboration will do", "合作活动"),
    "cases.f.party": ("Party {n}", "合作方 {n}"),
    "cases.f.name": ("Name", "名称"),
    "cases.f.country": ("Country", "国家"),
    "cases.f.role": ("Role", "角色"),
    "cases.f.kind": ("Kind", "类型"),
    "cases.f.affiliation": ("Affiliation", "所属机构"),
    "cases.vet": ("Create and vet", "创建并审查"),
    "activity.publish-openly": ("publish results openly", "公开发表成果"),
    "activity.share-unpublished-technology": ("share unpublished technology or code", "交流未公开的技术或代码"),
    "activity.ship-items": ("ship equipment, samples or chips", "运送设备、样品或芯片"),
    "activity.host-visitors": ("host visiting researchers", "接待访问学者"),
    "activity.share-personal-data": ("share personal data", "共享个人数据"),
    "activity.share-genomic-data": ("share genomic data", "共享基因组数据"),
    "activity.invest": ("invest or form a joint venture", "投资或设立合资企业"),
    "activity.use-partner-computing": ("use the partner's computing", "使用合作方的计算平台"),
    "partyrole.lead": ("lead", "牵头方"),
    "partyrole.partner": ("partner", "合作方"),
    "partyrole.funder": ("funder", "资助方"),
    "partyrole.vendor": ("vendor", "供应商"),
    "partyrole.visitor": ("visitor", "访问者"),
    "partykind.organization": ("organisation", "机构"),
    "partykind.person": ("person", "个人"),
    "case.assessment": ("Assessment", "评估结论"),
    "case.assessment_help": ("The strictest floor among the findings below.", "取以下各项审查发现中最严格的结论。"),
    "case.vetted": ("Vetted {at} · rules {rules}", "审查时间 {at} · 规则版本 {rules}"),
    "case.versions": ("list versions", "名单版本"),
    "case.report": ("Report", "报告"),
    "case.revet": ("Vet again", "重新审查"),
    "case.parties": ("Parties and screening", "合作方与名单筛查"),
    "case.no_hits": ("No listed party matches.", "未匹配到受限主体。"),
    "case.cleared": ("cleared (false positive)", "已排除（误报）"),
    "case.via_affiliation": ("via affiliation", "经由所属机构"),
    "case.decided": ("Decision by {who}, {at}", "{who} 于 {at} 作出决定"),
    "case.adjudicate": ("Adjudicate the hit on {name}", "裁定对“{name}”的命中"),
    "case.reason": ("Reason", "理由"),
    "case.decide": ("Record decision", "记录决定"),
    "case.findings": ("Findings ({n})", "审查发现（{n}）"),
    "case.rule": ("Rule", "规则"),
    "case.floor": ("at least", "至少"),
    "case.citations": ("Citations", "依据"),
    "case.comments": ("Discussion", "讨论"),
    "case.no_comments": ("No comments yet.", "暂无评论。"),
    "case.comment": ("Comment", "评论"),
    "case.add_comment": ("Add comment", "添加评论"),
    "case.history": ("History", "历史记录"),
    "case.done.decision": ("Decision recorded.", "决定已记录。"),
    "case.done.comment": ("Comment added.", "评论已添加。"),
    "case.done.vet": ("The case was vetted again.", "已重新审查。"),
    "event.created": ("created", "创建"),
    "event.vetted": ("vetted", "审查"),
    "event.decision": ("decision", "决定"),
    "event.comment": ("comment", "评论"),
    "event.shared": ("shared", "共享"),
    "event.open": ("reopened", "重新开启"),
    "event.closed": ("closed", "结案"),
    # -- batch
    "batch.title": ("Batch screening", "批量筛查"),
    "batch.lead": ("Upload a file of names: every row is screened and the same file comes back with the screening columns.",
                   "上传名称文件：逐行筛查，返回附加了筛查结果列的同一文件。"),
    "batch.upload_h": ("Upload a file", "上传文件"),
    "batch.file": ("File of names", "名称文件"),
    "batch.file_help": ("{formats}, with a header row; at most {mb} MB. A column named name, 名称, 单位 … holds the names; country, type and id columns are used when present.",
                        "支持 {formats}，须有表头；不超过 {mb} MB。名称列（如 name、名称、单位）必填；如有国家、类型、编号列也会使用。"),
    "batch.name_col": ("Column of the names (optional)", "名称所在列（可选）"),
    "batch.name_col_help": ("Leave empty to let Clearway find it from the header.", "留空则根据表头自动识别。"),
    "batch.submit": ("Upload and screen", "上传并筛查"),
    "batch.jobs": ("Your batches", "您的批量任务"),
    "batch.none": ("No batches yet.", "暂无批量任务。"),
    "batch.file_col": ("File", "文件"),
    "batch.status": ("Status", "状态"),
    "batch.rows": ("Rows", "行数"),
    "batch.started": ("Started", "开始时间"),
    "batch.progress": ("Progress", "进度"),
    "batch.rows_done": ("Rows screened", "已筛查行数"),
    "batch.results": ("Results", "结果"),
    "batch.c.screened": ("Names screened", "已筛查名称"),
    "batch.c.matched": ("With matches", "有匹配"),
    "batch.c.rejected": ("Rows rejected", "被拒绝的行"),
    "batch.dl.output": ("Download the screened file", "下载筛查结果文件"),
    "batch.dl.matches": ("Every match (JSONL)", "全部匹配（JSONL）"),
    "batch.dl.rejects": ("Rejected rows (CSV)", "被拒绝的行（CSV）"),
    "batch.columns_help": ("Added columns: clearway_status, clearway_score, clearway_best_match, clearway_entity_id, clearway_lists, clearway_match_count, clearway_explanation, clearway_explanation_zh.",
                           "新增列：clearway_status、clearway_score、clearway_best_match、clearway_entity_id、clearway_lists、clearway_match_count、clearway_explanation、clearway_explanation_zh。"),
    "batch.s.queued": ("Waiting to start", "等待开始"),
    "batch.s.running": ("Screening…", "正在筛查…"),
    "batch.s.done": ("Done", "已完成"),
    "batch.s.failed": ("Failed", "失败"),
    "batch.s.interrupted": ("Interrupted", "已中断"),
    "batch.no_file": ("Choose a file to upload.", "请选择要上传的文件。"),
    "batch.empty_file": ("The file is empty.", "文件为空。"),
    # -- lists
    "lists.title": ("Lists", "名单"),
    "lists.lead": ("What is loaded, from which versions, when each source was last checked, what the latest update changed, and the alerts it raised for watched partners.",
                   "已加载的名单及其版本、各来源最近检查时间、最近一次更新的变化，以及为关注的合作方发出的提醒。"),
    "lists.last_update": ("Last successful update", "最近一次成功更新"),
    "lists.never": ("never (bundled lists)", "从未（使用内置名单）"),
    "lists.loaded": ("Loaded lists", "已加载名单"),
    "lists.code": ("List", "名单"),
    "lists.name": ("Name", "名称"),
    "lists.authority": ("Authority", "发布机构"),
    "lists.entities": ("Entries", "条目"),
    "lists.current": ("Still listed", "现列入"),
    "lists.as_of": ("As of", "截至"),
    "lists.checked": ("Last checked", "最近检查"),
    "lists.sources": ("Sources and versions", "来源与版本"),
    "lists.sources_help": ("Every known version of each source, newest first; `clearway update` adds new ones.",
                           "各来源的全部已知版本（最新在前）；`clearway update` 会添加新版本。"),
    "lists.live": ("live", "当前使用"),
    "lists.n_versions": ("{n} versions", "{n} 个版本"),
    "lists.undated": ("undated", "无日期"),
    "lists.diffs": ("The latest diff of each source", "各来源最近一次差异"),
    "lists.diff_counts": ("{added} added, {removed} removed, {changed} changed", "新增 {added}，移除 {removed}，变更 {changed}"),
    "lists.see_diff": ("See every entry", "查看全部条目"),
    "lists.no_diffs": ("No source has two versions yet.", "尚无来源具有两个版本。"),
    "lists.watch": ("Watchlist", "关注名单"),
    "lists.no_watch": ("Nobody is watched yet (`clearway watch add`).", "尚无关注对象（`clearway watch add`）。"),
    "lists.alerts": ("Alerts", "提醒"),
    "lists.no_alerts": ("No alerts.", "暂无提醒。"),
    "alerts.at": ("When", "时间"),
    "alerts.kind": ("What", "类型"),
    "alerts.target": ("Watched", "关注对象"),
    "alerts.party": ("Listed party", "受限主体"),
    "alerts.lists": ("Lists before → after", "名单（变更前 → 变更后）"),
    "alerts.k.new_hit": ("newly listed", "新列入"),
    "alerts.k.hit_gone": ("no longer listed", "已移除"),
    "alerts.k.listing_changed": ("listing changed", "列名信息变更"),
    "diff.title": ("What changed in {source}", "{source} 的变化"),
    "diff.added": ("Added", "新增"),
    "diff.removed": ("Removed", "移除"),
    "diff.changed": ("Changed", "变更"),
    "diff.unchanged": ("{n} unchanged", "未变 {n}"),
    "diff.not_compared": ("Not compared (only one version carries them)", "未比较（仅一个版本包含）"),
    "diff.more": ("… and {n} more (`clearway diff` shows all)", "……另有 {n} 条（`clearway diff` 可显示全部）"),
    # -- landscape
    "land.title": ("The landscape of the lists", "名单概览"),
    "land.lead": ("Who is on the lists, from where, since when, in which fields — and what the latest update added. Counts are entries: one listed record on one list.",
                  "名单上有谁、来自哪里、何时列入、属于哪些领域，以及最近一次更新新增了什么。计数单位为条目：一个名单上的一条列名记录。"),
    "land.claim_h": ("Chinese entities on the Entity List", "实体清单上的中国实体"),
    "land.claim": ("of the {total} Entity List entries have an address in mainland China or Hong Kong (CN or HK).",
                   "条实体清单条目（共 {total} 条）的地址位于中国大陆或香港（CN 或 HK）。"),
    "land.claim_note": ("Counted over the Entity List records of the loaded Consolidated Screening List, one per record; a party listed with addresses in both counts once.",
                        "基于已加载的综合筛查名单中的实体清单记录逐条计数；同时有大陆和香港地址的主体只计一次。"),
    "land.china_total": ("China-related entries (CN, HK or MO) on all lists: {n} of {total}.", "所有名单上与中国相关的条目（CN、HK 或 MO）：{n} / {total}。"),
    "land.lists_h": ("China-related entries on each list", "各名单上与中国相关的条目"),
    "land.lists_help": ("Entries with a country of CN, HK or MO, beside the others. China's own lists mostly name foreign parties.",
                        "国家为 CN、HK 或 MO 的条目与其他条目对比。中国自己的名单主要列入外国主体。"),
    "land.country_h": ("Entries by country (top 20)", "按国家/地区统计的条目（前 20）"),
    "land.country_list": ("List", "名单"),
    "land.country": ("Country", "国家/地区"),
    "land.year_h": ("Entries by year of listing", "按列入年份统计的条目"),
    "land.year_help": ("The year of the listing's start date, else of its earliest Federal Register citation (volume 90 is 2025). Lists without either are left out.",
                       "取列名起始日期的年份，否则取最早《联邦公报》引文的年份（第 90 卷为 2025 年）。两者皆无的名单不计入。"),
    "land.cnyear_h": ("China-related entries over time, by list", "与中国相关的条目随时间变化（按名单）"),
    "land.sector_h": ("China-related entries by sector", "与中国相关的条目（按领域）"),
    "land.sector_help": ("From general words in the names (university/大学, institute/研究所, semiconductor/芯片, intelligent/智能, video/监控, supercomputing/超算…); an entry may fall in several sectors or none.",
                         "依据名称中的通用词汇判断（大学、研究所、芯片、智能、监控、超算等）；一个条目可属于多个领域，也可不属于任何领域。"),
    "land.sector": ("Sector", "领域"),
    "land.add_h": ("Additions in the latest update", "最近一次更新新增的条目"),
    "land.add_line": ("{source} {old} → {new}: {added} added ({china} China-related), {removed} removed",
                      "{source} {old} → {new}：新增 {added}（其中与中国相关 {china}），移除 {removed}"),
    "land.table": ("The numbers as a table", "以表格显示数据"),
    "land.entries": ("Entries", "条目"),
    "land.china": ("China-related", "与中国相关"),
    "land.by_year": ("By year", "按年份"),
    "land.by_list": ("By list", "按名单"),
    "land.chart_error": ("The charts could not be drawn; the tables above hold the same numbers.", "图表无法绘制；上方表格包含相同数据。"),
    # chart labels, sent to the page's script with the figures
    "chart.china": ("China-related (CN, HK, MO)", "与中国相关（CN、HK、MO）"),
    "chart.other": ("Other", "其他"),
    "chart.entries": ("Entries", "条目"),
    "chart.all": ("All entries", "全部条目"),
    "chart.year": ("Year", "年份"),
    "chart.added": ("Added", "新增"),
    "chart.added_china": ("of which China-related", "其中与中国相关"),
    "chart.removed": ("Removed", "移除"),
    "chart.other_lists": ("Other lists", "其他名单"),
    "chart.sector.university": ("Universities", "大学"),
    "chart.sector.research": ("Research institutes", "科研院所"),
    "chart.sector.chips": ("Chips and semiconductors", "芯片与半导体"),
    "chart.sector.ai": ("Artificial intelligence", "人工智能"),
    "chart.sector.surveillance": ("Surveillance and public security", "监控与公安"),
    "chart.sector.supercomputing": ("Supercomputing", "超级计算"),
}


# How a name form was derived (clearway.names.forms), as the explanations name it.
HOW_ZH: dict[str, str] = {
    "as written": "按原文",
    "Chinese characters (traditional folded to simplified)": "汉字（繁体转为简体）",
    "English reading of the Chinese (pinyin for names, glossary for words)": "中文的英文读法（专名用拼音，通用词用词表翻译）",
    "Chinese personal name in pinyin": "中文人名拼音",
    "acronym or short name in parentheses": "括号中的缩写或简称",
    "name without parenthesised part": "去掉括号部分的名称",
    "affiliated entity named in the entry": "条目中提及的关联实体",
    "name without trailing location": "去掉末尾地名的名称",
    "one of several names in the entry": "条目所列多个名称之一",
}


def how(text: str, lang: str) -> str:
    return HOW_ZH.get(text, text) if lang == "zh" else text


def keys_with_prefix(prefix: str) -> list[str]:
    return [k for k in MESSAGES if k.startswith(prefix)]


def translate(key: str, lang: str, **params) -> str:
    """The message ``key`` in ``lang``, placeholders filled; an unknown key is shown as itself
    (a message that is not a key — an error text from a lower layer — passes through)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key.format(**params) if params and "{" in key else key
    text = entry[1] if lang == "zh" else entry[0]
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.warning("message %s: missing parameters", key)
            return text
    return text


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The reader's language: the one chosen with the switch, else the browser's preference."""
    if chosen in LANGS:
        return chosen  # type: ignore[return-value]
    best: tuple[float, int, str] | None = None
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = "zh" if tag.startswith("zh") else "en" if tag.startswith("en") else None
        if lang and q > 0 and (best is None or q > best[0]):
            best = (q, i, lang)
    return best[2] if best else DEFAULT
