"""General vocabulary for reading organisation names across Chinese, pinyin and English.

Nothing here names a listed party. These are the words every Chinese organisation name is built
from (大学, 研究所, 集团, 科技 ...), place names whose English form is not their pinyin (陕西 →
Shaanxi, 香港 → Hong Kong), older romanisations still used in official English names (Tsinghua,
Peking, Amoy), legal forms, and the abbreviations people type. Alternatives where usage varies
are separated by ``|``; each alternative may be several words.
"""

from __future__ import annotations

# Chinese organisation vocabulary → English. Longest match wins when segmenting, so compound
# terms (工业大学, 股份有限公司) sit beside their parts.
ZH_TERMS: dict[str, str] = {
    # institutions
    "大学": "university", "学院": "college|institute|academy|school", "学校": "school",
    "工业大学": "university of technology|institute of technology|polytechnical university",
    "理工大学": "university of science and technology|institute of technology|university of technology",
    "科技大学": "university of science and technology|science and technology university",
    "工程大学": "engineering university|university of engineering",
    "技术大学": "university of technology", "师范大学": "normal university",
    "交通大学": "jiaotong university|transportation university", "医科大学": "medical university",
    "工学院": "institute of technology|engineering college", "研究生院": "graduate school",
    "研究所": "research institute|institute", "研究院": "academy|research institute|institute",
    "研究中心": "research center", "研发中心": "research and development center", "中心": "center",
    "科学院": "academy of sciences", "工程院": "academy of engineering", "实验室": "laboratory|lab",
    "重点实验室": "key laboratory", "国家实验室": "national laboratory", "试验": "test", "实验": "experiment",
    "分院": "branch academy|branch", "分所": "branch institute", "分公司": "branch|branch company",
    "子公司": "subsidiary", "总公司": "corporation|head office", "总院": "general academy|academy",
    "设计院": "design institute", "设计所": "design institute", "基地": "base", "总部": "headquarters",
    "办公室": "office", "局": "bureau|administration", "厅": "department", "部": "department|ministry",
    "委员会": "commission|committee", "协会": "association", "学会": "society", "联合会": "federation",
    "基金会": "foundation", "医院": "hospital", "工厂": "factory|plant", "厂": "factory|plant|works",
    "公安局": "public security bureau", "公安厅": "public security department", "公安": "public security",
    "派出所": "police station", "监狱": "prison", "看守所": "detention center", "兵团": "corps",
    "生产建设兵团": "production and construction corps", "军区": "military region", "部队": "unit|troops",
    "学报": "journal", "出版社": "press|publishing house",
    # legal and corporate forms (also in LEGAL_FORMS_ZH; translated so a reader sees them)
    "集团": "group|corporation", "控股": "holding|holdings", "股份": "shares|joint stock",
    "公司": "company|corporation", "有限公司": "limited company", "股份有限公司": "company limited",
    "有限责任公司": "limited liability company", "集团公司": "group corporation|group company|corporation",
    "集团有限公司": "group co ltd|group corporation", "企业": "enterprise", "产业": "industry",
    # field vocabulary
    "科技": "science and technology|technology|tech", "科学": "science|sciences", "技术": "technology|technologies|technical",
    "电子": "electronics|electronic", "电子科技": "electronic science and technology|electronics technology",
    "信息": "information", "信息技术": "information technology", "通信": "communication|communications|telecommunication",
    "通讯": "communication|communications", "电信": "telecom|telecommunications", "网络": "network|networks",
    "计算机": "computer", "计算": "computing|computational", "软件": "software", "硬件": "hardware", "数据": "data",
    "智能": "intelligent|intelligence|smart", "人工智能": "artificial intelligence|ai", "机器人": "robot|robotics",
    "半导体": "semiconductor", "集成电路": "integrated circuit", "芯片": "chip|chips", "微电子": "microelectronics",
    "光电": "optoelectronic|optoelectronics|photoelectric", "光学": "optics|optical", "精密": "precision",
    "仪器": "instrument|instruments", "仪表": "instrument|meter", "设备": "equipment", "装备": "equipment",
    "机械": "machinery|mechanical", "制造": "manufacturing", "材料": "material|materials", "新材料": "new materials",
    "化学": "chemical|chemistry", "化工": "chemical|chemical industry", "物理": "physics|physical", "数学": "mathematics",
    "生物": "biology|biological|bio", "医学": "medical|medicine", "医药": "pharmaceutical|medicine", "药物": "drug",
    "药理": "pharmacology", "毒理": "toxicology", "疾病": "disease", "预防": "prevention", "控制": "control",
    "卫生": "health|hygiene", "健康": "health", "基因": "gene|genetic|genomics", "遗传": "genetic",
    "能源": "energy", "电力": "electric power|power", "电气": "electric", "核": "nuclear", "核工业": "nuclear industry",
    "原子能": "atomic energy", "动力": "power|dynamics", "发动机": "engine", "工程": "engineering|project",
    "物理研究": "physics research", "自动化": "automation", "系统": "system|systems", "控制系统": "control systems",
    "航空": "aviation|aeronautics|aeronautical", "航天": "aerospace|astronautics|spaceflight|space",
    "航空航天": "aeronautics and astronautics|aerospace", "宇航": "aerospace|astronautics", "空间": "space",
    "导弹": "missile", "火箭": "rocket", "卫星": "satellite", "雷达": "radar", "船舶": "shipbuilding|ship|marine",
    "造船": "shipbuilding", "舰船": "ship|warship", "海洋": "ocean|marine", "兵器": "ordnance|weapons",
    "武器": "weapons", "弹药": "ammunition", "军工": "defense industry|military industry", "国防": "national defense|defense",
    "军事": "military", "军": "army|military", "陆军": "army", "海军": "navy|naval", "空军": "air force",
    "火箭军": "rocket force", "战略支援部队": "strategic support force", "武警": "armed police",
    "人民": "people|peoples", "解放军": "liberation army", "人民解放军": "peoples liberation army|pla",
    "指挥": "command", "后勤": "logistics", "勤务": "service", "边海防": "border and coastal defense",
    "测绘": "surveying and mapping", "气动": "aerodynamics|aerodynamic", "空气动力": "aerodynamics",
    "发展": "development", "研究": "research", "研制": "development", "开发": "development", "应用": "application|applied",
    "创新": "innovation", "高新": "high tech|new high technology", "高科技": "high tech|high technology",
    "贸易": "trading|trade", "商贸": "trading|commerce", "进出口": "import and export", "国际": "international",
    "实业": "industrial|industries", "工业": "industry|industrial|industries", "投资": "investment",
    "物流": "logistics", "运输": "transport|transportation", "交通": "transportation|traffic", "海运": "shipping",
    "航运": "shipping", "港口": "port", "汽车": "automobile|auto|automotive", "车辆": "vehicle",
    "无人机": "uav|drone", "安全": "security|safety", "监控": "surveillance|monitoring", "视频": "video",
    "视觉": "vision", "图像": "image|imaging", "识别": "recognition", "语音": "voice|speech", "声学": "acoustics",
    "传感": "sensing|sensor", "量子": "quantum", "激光": "laser", "超级计算": "supercomputing", "超算": "supercomputing",
    "超级计算机": "supercomputer", "云": "cloud", "金融": "financial|finance", "银行": "bank", "证券": "securities",
    "保险": "insurance", "电池": "battery", "新能源": "new energy", "石油": "petroleum|oil",
    "天然气": "natural gas|gas", "石化": "petrochemical", "矿业": "mining", "稀土": "rare earth", "钢铁": "steel",
    "有色金属": "nonferrous metals", "金属": "metal|metals", "冶金": "metallurgy|metallurgical", "纺织": "textile",
    "棉": "cotton", "服装": "garment|apparel", "农业": "agriculture|agricultural", "食品": "food",
    "建设": "construction", "建筑": "construction|architecture", "电器": "electric appliance|electrical",
    "电机": "electric machinery|motor", "电缆": "cable", "光纤": "optical fiber", "光通信": "optical communication",
    "微波": "microwave", "电磁": "electromagnetic", "真空": "vacuum", "等离子": "plasma", "晶体": "crystal",
    "显示": "display", "封装": "packaging", "测试": "testing|test", "检测": "inspection|testing", "计量": "metrology",
    "标准": "standards", "质量": "quality", "管理": "management", "服务": "service|services", "咨询": "consulting",
    "科研": "scientific research|research", "教育": "education", "文化": "culture", "传媒": "media",
    "控股集团": "holding group", "国有": "state owned", "国营": "state run", "民用": "civil|civilian",
    "商用": "commercial", "飞机": "aircraft|airplane", "直升机": "helicopter", "发动": "engine", "航发": "aero engine",
    "机电": "electromechanical", "工艺": "technology|process", "电源": "power supply", "储能": "energy storage",
    # more research-institution vocabulary
    "基础": "basic|fundamental", "基础医学": "basic medicine|basic medical", "环境": "environment|environmental",
    "微生物": "microbiology", "流行病学": "epidemiology", "流行病": "epidemic", "空天": "aerospace",
    "空天信息": "aerospace information", "运载火箭": "launch vehicle", "运载": "launch|carrier",
    "机电": "mechatronics|electromechanical", "科工": "science and industry", "总体": "general|overall",
    "设计": "design", "设计部": "design department", "授时": "time service", "警察": "police",
    "警官": "police officer|police", "遥感": "remote sensing", "地球": "earth", "观测": "observation",
    "天文": "astronomical|astronomy", "天文台": "astronomical observatory|observatory", "卫星地面站": "satellite ground station",
    "数字": "digital", "模拟": "simulation|analog", "仿真": "simulation", "火炸药": "explosives", "炸药": "explosives",
    "推进": "propulsion", "固体": "solid", "液体": "liquid", "燃料": "fuel", "热": "thermal|heat",
    "力学": "mechanics", "结构": "structure|structural", "强度": "strength", "环境工程": "environmental engineering",
    "飞行": "flight", "飞行器": "aircraft|vehicle", "制导": "guidance", "导航": "navigation", "惯性": "inertial",
    "红外": "infrared", "电子对抗": "electronic countermeasures", "信息化": "informatization", "工程物理": "engineering physics",
    "物理学": "physics", "化学物理": "chemical physics", "光学精密机械": "optics and fine mechanics|optics and precision mechanics",
    "精密机械": "precision mechanics|fine mechanics", "半导体研究所": "institute of semiconductors", "声学研究所": "institute of acoustics",
    "计算技术": "computing technology", "自动化研究所": "institute of automation", "软件研究所": "institute of software",
    "高能物理": "high energy physics", "等离子体": "plasma", "强磁场": "high magnetic field", "磁场": "magnetic field",
    "超导": "superconducting", "纳米": "nano|nanotechnology", "新能源汽车": "new energy vehicle", "锂电": "lithium battery",
    "电子信息": "electronic information", "集成": "integrated", "系统工程": "systems engineering", "综合": "comprehensive|integrated",
    "安防": "security", "网安": "cyber security", "网络安全": "cyber security|cybersecurity", "信息安全": "information security",
    "大数据": "big data", "云计算": "cloud computing", "物联网": "internet of things|iot", "区块链": "blockchain",
    "互联网": "internet", "数码": "digital", "影像": "imaging", "光电子": "optoelectronics", "激光器": "laser",
    "探测": "detection", "测控": "measurement and control|tracking and control", "控制工程": "control engineering",
    "兵工": "ordnance|arms", "装甲": "armored", "坦克": "tank", "特种": "special", "民爆": "civil explosives",
    "高校": "university", "职业": "vocational", "技术学院": "institute of technology|technical college",
    "警察学院": "police college", "政法": "political science and law", "外国语": "foreign studies|foreign languages",
    "邮电": "posts and telecommunications", "航空大学": "aviation university|aeronautical university",
    "国防科技": "national defense technology|defense science and technology", "船舶重工": "shipbuilding industry|heavy industry",
    "重工": "heavy industry", "船舶工业": "shipbuilding industry", "创新": "innovation", "卓越": "excellence",
    "前沿": "frontier|frontiers", "协同": "collaborative", "应用工程": "application engineering",
    # Country-level qualifiers: often left out of the English name ("Army Engineering University"
    # for 中国人民解放军陆军工程大学), so they are vocabulary (a soft word), not a place.
    "中国": "china|chinese", "中华": "china|chinese", "全国": "national|china", "国家": "national|state",
    "中央": "central", "中国人民解放军": "chinese peoples liberation army|pla",
    "中国人民武装警察部队": "chinese peoples armed police force|pap|capf", "武装警察": "armed police",
    "人民武装警察部队": "peoples armed police force|pap", "军医": "medical", "军医大学": "medical university",
    "装甲兵": "armored forces|armored", "航空兵": "aviation", "防化": "nbc defense|chemical defense",
    "特种作战": "special operations", "火箭军": "rocket force", "士官学校": "nco school|noncommissioned officer school|sergeant school|petty officer academy",
    "警官学院": "officers college|police officer college", "刑事": "criminal", "刑事警察": "criminal police|criminal investigation police",
    "鉴定": "forensic|appraisal", "铁道": "railway", "社会": "social|society", "舰艇学院": "naval academy",
    "复合材料": "composite materials|composites", "复合": "composite", "陶瓷": "ceramic|ceramics",
    "工贸": "industry and trade", "石化": "petrochemical", "炭素": "carbon", "航空材料": "aeronautical materials",
    "自动控制": "automatic control", "制造技术": "manufacturing technology", "特种结构": "special structures",
    # connectives and general organisation words seen in listed names
    "与": "and", "和": "and", "及": "and", "暨": "and", "通用": "general", "联合": "joint|united|union",
    "武装": "armed", "士官": "noncommissioned officer|nco", "宇宙": "space|cosmos", "防卫": "defense",
    "防务": "defense", "舰艇": "naval vessel|warship", "海事": "maritime", "民主": "democracy|democratic",
    "原": "former", "陆地": "land", "任务": "mission", "北方": "north|northern|norinco", "南方": "south|southern",
    "东方": "east|eastern|orient", "西方": "west|western", "航务": "navigation|shipping", "移动": "mobile",
    "远洋": "ocean|oceangoing|cosco", "高压": "high pressure|high voltage", "预警": "early warning",
    "步兵": "infantry", "作战": "combat|operations", "海警": "coast guard", "潜艇": "submarine",
    "关系": "relations", "解决方案": "solutions", "方案": "solutions|program", "战术": "tactical",
    "先进": "advanced", "风险": "venture|risk", "自治": "autonomous", "运营": "operations",
    "合资": "joint venture", "火控": "fire control", "涡轮增压器": "turbocharger", "喷气机": "jet",
    "主要": "main|principal", "机构": "agency|institution", "联邦": "federal", "炮兵": "artillery",
    "防空兵": "air defense", "防空": "air defense", "机载": "airborne", "指挥学院": "command college",
    "工程学院": "engineering college|engineering institute", "大学校": "university", "微尺度": "microscale",
    "物质": "matter", "国家实验": "national laboratory", "空间科学": "space science", "核电": "nuclear power",
    "广核": "general nuclear", "电网": "power grid|grid", "港务": "port", "矿产": "mineral|mining",
    "资源": "resources", "勘探": "exploration", "开采": "mining", "冶炼": "smelting", "钢": "steel",
    "铝": "aluminum", "铜": "copper", "硅": "silicon", "晶圆": "wafer", "存储": "memory|storage",
    "存储器": "memory", "处理器": "processor", "图形": "graphics", "服务器": "server", "终端": "terminal",
    "电脑": "computer", "手机": "mobile phone", "消费": "consumer", "家电": "home appliance",
    "物资": "materials|supplies", "供应链": "supply chain", "供应": "supply", "采购": "procurement",
    "代理": "agent|agency", "经贸": "economic and trade", "经济": "economic", "商务": "commerce|business",
    "商业": "commercial|business", "实验基地": "experimental base|test base", "靶场": "range|test range",
    "试验场": "test site|proving ground", "试验基地": "test base", "训练": "training", "培训": "training",
    "石油化工": "petrochemical", "石油天然气": "petroleum and natural gas|oil and gas", "移动通信": "mobile communications",
    "下属": "subordinate", "首都": "capital", "器件": "device|devices", "元器件": "components|electronic components", "组件": "component|module", "微系统": "microsystem|microsystems", "加工": "processing", "处理": "processing", "测量": "measuring|measurement", "航电": "avionics", "航道": "waterway", "全球": "global", "环球": "global", "未来": "future", "机器": "machine|machinery", "海油": "offshore oil",
    "基地部": "base", "军械": "ordnance|armament", "器械": "equipment|apparatus", "兵器工业": "ordnance industry|weapons industry",
    "第": "", "号": "no", "所": "institute", "院": "academy|institute", "校": "school",
}

# Places and countries whose usual English form is not their pinyin (or that are better
# read as words than as syllables). Kept apart from ZH_TERMS so that pinyin spellings of
# place names are never "translated" (the pinyin of 陕西 is also the province 山西).
ZH_PLACES: dict[str, str] = {
    "省": "province|provincial", "市": "city|municipal", "县": "county", "区": "district",
    "自治区": "autonomous region", "地区": "region|prefecture", "新区": "new area",
    "美国": "united states|us|usa|america|american", "日本": "japan|japanese", "韩国": "korea|south korea",
    "朝鲜": "north korea|dprk", "俄罗斯": "russia|russian", "英国": "united kingdom|uk|britain|british",
    "德国": "germany|german", "法国": "france|french", "加拿大": "canada", "澳大利亚": "australia",
    "伊朗": "iran", "印度": "india", "巴基斯坦": "pakistan", "新加坡": "singapore", "台湾": "taiwan",
    "香港": "hong kong|hk", "澳门": "macau|macao", "欧洲": "europe|european", "亚洲": "asia|asian",
    "陕西": "shaanxi", "内蒙古": "inner mongolia", "西藏": "tibet|xizang", "哈尔滨": "harbin",
    "呼和浩特": "hohhot", "乌鲁木齐": "urumqi", "喀什": "kashgar|kashi", "阿克苏": "aksu",
    "和田": "hotan|hetian", "伊犁": "ili|yili", "吐鲁番": "turpan|turfan", "哈密": "hami|kumul",
    "克拉玛依": "karamay", "昌吉": "changji", "库尔勒": "korla", "巴音郭楞": "bayingolin",
    "西安": "xian", "新疆": "xinjiang", "广东": "guangdong", "东北": "northeast|northeastern",
    "西北": "northwest|northwestern", "西南": "southwest|southwestern", "华北": "north china|huabei",
    "华东": "east china|huadong", "华南": "south china|huanan", "华中": "central china|huazhong",
}

# Chinese legal forms: matched as one symbol, never as evidence of a match.
LEGAL_FORMS_ZH = ("股份有限公司", "有限责任公司", "有限公司", "株式会社", "合伙企业", "公司")

# Latin legal forms removed anywhere in a name.
LEGAL_FORMS = frozenset({
    "co", "ltd", "limited", "llc", "inc", "incorporated", "corp", "corporation", "company", "gmbh",
    "plc", "pjsc", "ojsc", "cjsc", "jsc", "llp", "pte", "pty", "pvt", "srl", "sarl", "bv", "nv", "kk",
    "oao", "ooo", "zao", "fze", "fzco", "fzc", "fzllc", "dmcc", "ltda", "sdn", "bhd", "tov", "sas",
    "gongsi", "youxian", "zeren", "gufen", "kabushiki", "kaisha",
})
# Short legal forms that are also ordinary words or acronyms: removed only as the last word.
LEGAL_FORMS_FINAL = frozenset({"sa", "ag", "as", "ab", "oy", "lp", "spa", "lda", "se", "cv", "ae", "doo", "ad"})

STOPWORDS = frozenset({
    "of", "the", "and", "for", "a", "an", "in", "at", "on", "de", "la", "le", "du", "des", "di", "del",
    "aka", "fka", "nka", "formerly", "also", "known", "dba", "ie", "via",
})

# What people type for long words (and spelling variants), folded to one form.
ABBREVIATIONS: dict[str, str] = {
    "univ": "university", "uni": "university", "inst": "institute", "instit": "institute",
    "tech": "technology", "techn": "technology", "technol": "technology", "technolog": "technology",
    "intl": "international", "internat": "international", "sci": "science", "scient": "scientific",
    "eng": "engineering", "engg": "engineering", "engr": "engineering", "elec": "electronic",
    "electr": "electronic", "electronic": "electronic", "comm": "communication", "comms": "communication",
    "telecommunication": "telecom", "grp": "group", "svc": "service", "svcs": "service", "srvce": "service",
    "srvces": "service", "serv": "service", "acad": "academy", "res": "research", "natl": "national",
    "nat": "national", "assn": "association", "assoc": "association", "dept": "department",
    "ctr": "center", "cntr": "center", "centre": "center", "ind": "industry", "indus": "industry",
    "industrial": "industry", "hldg": "holding", "hldgs": "holding", "equip": "equipment", "sys": "system",
    "mfg": "manufacturing", "manuf": "manufacturing", "mfr": "manufacturer", "chem": "chemical",
    "pharm": "pharmaceutical", "pharma": "pharmaceutical", "mgmt": "management", "mgt": "management",
    "dev": "development", "devt": "development", "lab": "laboratory", "labs": "laboratory",
    "defence": "defense", "organisation": "organization", "aluminium": "aluminum", "programme": "program",
    "aeronautical": "aeronautic", "aviat": "aviation", "aero": "aeronautic", "electronics": "electronic",
    "optoelectronic": "optoelectronic", "photoelectric": "optoelectronic", "opto": "optoelectronic",
    "microelectronic": "microelectronic", "semicon": "semiconductor", "semi": "semiconductor",
    "info": "information", "infotech": "information technology", "it": "information technology",
    "st": "saint", "mt": "mount", "hk": "hong kong", "prc": "china", "chinese": "china",
    "ai": "artificial intelligence", "trading": "trade", "technical": "technology",
    "technological": "technology", "scientific": "science", "medicine": "medical",
}

# Older romanisations (postal, Wade-Giles) and conventional spellings still used in official
# English names, folded to pinyin so both sides of a comparison read the same.
ROMANISATIONS: dict[str, str] = {
    "peking": "beijing", "peiping": "beijing", "tsinghua": "qinghua", "tsing": "qing", "amoy": "xiamen",
    "canton": "guangzhou", "nanking": "nanjing", "tientsin": "tianjin", "chungking": "chongqing",
    "sian": "xian", "hangchow": "hangzhou", "soochow": "suzhou", "foochow": "fuzhou", "fukien": "fujian",
    "kwangtung": "guangdong", "szechwan": "sichuan", "szechuan": "sichuan", "hupeh": "hubei",
    "hunan": "hunan", "taipei": "taibei", "kaohsiung": "gaoxiong", "tsingtao": "qingdao",
    "tsingtau": "qingdao", "shantung": "shandong", "chekiang": "zhejiang", "kiangsu": "jiangsu",
    "anhwei": "anhui", "kweichow": "guizhou", "kwangsi": "guangxi", "sinkiang": "xinjiang",
    "mukden": "shenyang", "dairen": "dalian", "port arthur": "lushun", "hsinchu": "xinzhu",
    "taichung": "taizhong", "tainan": "tainan", "keelung": "jilong", "kirin": "jilin",
    "kweiyang": "guiyang", "kunming": "kunming", "lanchow": "lanzhou", "sining": "xining",
    "chengtu": "chengdu", "wuchang": "wuchang", "hankow": "hankou", "chinkiang": "zhenjiang",
    "swatow": "shantou", "shensi": "shaanxi", "shansi": "shanxi", "honan": "henan", "hopeh": "hebei",
    "hopei": "hebei", "kiangsi": "jiangxi", "yunnan": "yunnan", "harbin": "haerbin", "sun yat sen": "zhongshan",
    "yat sen": "zhongshan", "chiao tung": "jiaotong", "chiaotung": "jiaotong", "macao": "macau",
}

# Ordinal words → digits; numbers discriminate sibling institutes (38th ≠ 39th).
ORDINAL_WORDS: dict[str, str] = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10", "eleventh": "11", "twelfth": "12",
    "thirteenth": "13", "fourteenth": "14", "fifteenth": "15", "sixteenth": "16", "seventeenth": "17",
    "eighteenth": "18", "nineteenth": "19", "twentieth": "20",
}

# Provinces, regions and major cities read in plain pinyin. Listed so that a place at the start
# of a proper name is split off as its own word (北京诺电 → Beijing + Nuodian), the way the
# English forms of these names write it.
ZH_PLACE_NAMES = """
北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东
海南 四川 贵州 云南 甘肃 青海 台湾 广西 宁夏 新疆 西藏 内蒙古 香港 澳门 陕西
石家庄 太原 沈阳 长春 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 海口 成都 贵阳 昆明
西安 兰州 西宁 南宁 银川 拉萨 呼和浩特 乌鲁木齐 哈尔滨 大连 青岛 宁波 厦门 深圳 苏州 无锡
常州 南通 扬州 镇江 徐州 温州 绍兴 嘉兴 金华 台州 湖州 烟台 威海 潍坊 淄博 洛阳 开封 宜昌
襄阳 株洲 湘潭 衡阳 珠海 汕头 佛山 东莞 中山 惠州 江门 湛江 桂林 柳州 绵阳 德阳 宜宾 泸州
遵义 保定 唐山 秦皇岛 邯郸 廊坊 大同 鞍山 抚顺 本溪 锦州 丹东 营口 吉林 长春 齐齐哈尔 大庆
牡丹江 佳木斯 芜湖 蚌埠 安庆 泉州 漳州 莆田 九江 赣州 景德镇 宝鸡 咸阳 汉中 天水 酒泉 嘉峪关
石河子 喀什 阿克苏 和田 伊犁 吐鲁番 哈密 克拉玛依 昌吉 库尔勒 包头 鄂尔多斯 新乡 安阳 南阳
荆州 十堰 岳阳 常德 韶关 茂名 肇庆 梅州 北海 三亚 攀枝花 自贡 南充 乐山 达州 六盘水 曲靖 玉溪
""".split()


def place_words() -> frozenset[str]:
    """Pinyin and English words of Chinese places: they tell otherwise alike names apart
    (Beijing vs Harbin Institute of Technology), so they weigh more than their frequency says."""
    from pypinyin import Style, lazy_pinyin

    words: set[str] = set()
    for zh in ZH_PLACE_NAMES:
        words.add("".join(lazy_pinyin(zh, style=Style.NORMAL)))
    for zh, english in ZH_PLACES.items():
        if len(zh) >= 2 and zh not in ("自治区", "地区", "新区"):
            for alt in english.split("|"):
                if " " not in alt:
                    words.add(alt)
    # Directions that name regions (华北 North China, 西北 Northwestern): as telling as a city.
    words.update("north south east west central northern southern eastern western northeast northwest "
                 "southwest southeast northeastern northwestern southwestern southeastern".split())
    return frozenset(words)
