"""The demo city's service catalog (事项目录): about 1,800 items over its departments.

Seed 004 speaks of 64 departments making 1792 items public; the default demo has exactly that.
Like the rest of the demo it comes in two steps: :func:`plan_catalog` is pure (a
:class:`~xiaoneng.demo.builder.DemoPlan` in, frozen specs out, drawn from its own random stream so
that it never disturbs names or dates elsewhere), and :func:`write_catalog` checks every version
with the catalog's own rules and writes them in bulk (a few statements for the whole catalog,
one audit entry per item holding its whole content, one entry summarising the batch).

Item names are the generic ones every Chinese city publishes, per department, combined with
their usual sub-items (新办/变更/延续/注销…). Handling types are mixed — mostly 承诺件, many
即办件, some 联办件 with steps at 2–4 units (parallel where practice runs them in parallel), a few
上报件 — and committed limits sit well below the legal ones, as the promise of 限时办结 intends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from . import data

if TYPE_CHECKING:
    from .builder import DemoPlan

# Items per size; a size not named here gets 28 a department (1792 / 64).
CATALOG_ITEMS = {"small": 40, "default": 1792}

# One line per base item: "name template|sub-items|category|kind|legal limit".
#  - "{}" in the template takes the sub-item ("企业{}登记" → 企业设立登记); without it the
#    sub-item goes in brackets (食品经营许可（新办）); no sub-items: the name as it stands.
#  - kind: P 承诺件, I 即办件, M mixed (注销/补领/挂失… are 即办件, the rest 承诺件),
#    R 上报件, J:A+B 联办件 with the departments A and B (those present in the city).
#  - the legal limit (法定时限) is in working days.
# fmt: off
TEMPLATES: dict[str, str] = {
    "RSJ": """
就业创业证{}|申领,变更,补领|公共服务|M|10
失业登记||公共服务|I|5
失业保险金申领||行政给付|P|20
失业人员职业培训补贴申领||行政给付|P|20
一次性创业补贴申领||行政给付|P|20
创业担保贷款申请||公共服务|J:CZJ+JRJ|30
社会保障卡{}|申领,补领,换领,挂失,解挂|公共服务|M|20
人力资源服务许可|新办,变更,延续,注销|行政许可|M|20
劳务派遣经营许可|新办,变更,延续,注销|行政许可|M|20
企业实行不定时工作制和综合计算工时工作制审批||行政许可|P|20
职业技能等级证书{}|核发,补发|行政确认|M|20
专业技术人员职称评审||行政确认|R|60
工伤认定||行政确认|P|60
劳动能力鉴定||行政确认|P|60
劳动人事争议仲裁申请||行政裁决|P|45
劳动保障监察投诉受理||其他行政权力|P|60
高校毕业生就业见习补贴申领||行政给付|P|20
招用就业困难人员社会保险补贴申领||行政给付|P|20
人事档案{}|转递,查阅,借阅|公共服务|M|5
民办职业培训学校{}|设立,变更,终止|行政许可|M|20
技工学校{}|设立,变更,终止|行政许可|R|30
企业年金方案备案||行政备案|I|10
企业经济性裁员报告||行政备案|P|10
集体合同审查||其他行政权力|P|15
求职登记||公共服务|I|1
招聘会场地预约||公共服务|I|3
职业介绍补贴申领||行政给付|P|20
企业吸纳就业补贴申领||行政给付|P|20
工伤职工{}|旧伤复发确认,异地居住就医备案,辅助器具配置确认|行政确认|P|20
拖欠工资投诉受理||其他行政权力|P|30
博士后科研工作站设立||其他行政权力|R|60
事业单位公开招聘{}|方案备案,结果备案|行政备案|P|10
""",
    "SCJGJ": """
企业{}登记|设立,变更,注销,备案|行政许可|M|15
个体工商户{}登记|设立,变更,注销|行政许可|M|15
农民专业合作社{}登记|设立,变更,注销|行政许可|M|15
食品经营许可|新办,变更,延续,注销,补证|行政许可|M|20
食品生产许可|新办,变更,延续,注销|行政许可|M|20
小餐饮经营许可|新办,变更,延续,注销|行政许可|M|20
食品小作坊登记|新办,变更,延续,注销|行政许可|M|20
药品零售企业许可|新办,变更,延续,注销|行政许可|M|30
第二类医疗器械经营备案|*|行政备案|I|10
特种设备使用登记|新办,变更,注销|行政许可|M|15
特种设备作业人员资格认定|新取证,复审|行政许可|P|20
计量标准器具核准|*|行政许可|P|20
工业产品生产许可证核发|*|行政许可|R|60
股权出质登记|设立,变更,注销|行政确认|M|10
动产抵押登记|设立,变更,注销|行政确认|I|5
企业名称争议裁决||行政裁决|P|60
企业开办一件事||公共服务|J:GAJ+SWJ+RSJ|10
消费投诉受理||其他行政权力|P|7
企业年度报告公示||公共服务|I|1
经营异常名录移出||其他行政权力|P|10
严重违法失信名单移出||其他行政权力|P|15
第三类医疗器械经营许可|新办,变更,延续,注销|行政许可|M|30
医疗器械网络销售备案||行政备案|I|5
电梯维护保养单位备案||行政备案|I|5
检验检测机构资质认定|首次,延续,变更|行政许可|R|20
强制检定计量器具登记||行政备案|I|5
专利权质押登记||行政确认|R|10
仅销售预包装食品备案|首次备案,变更备案,注销备案|行政备案|I|5
企业迁移登记||行政许可|P|15
分支机构{}登记|设立,变更,注销|行政许可|M|15
外商投资企业{}登记|设立,变更,注销|行政许可|M|15
合伙企业{}登记|设立,变更,注销|行政许可|M|15
""",
    "GAJ": """
居民身份证{}|申领,换领,补领|行政确认|P|60
临时居民身份证申领||行政确认|I|3
户口{}登记|迁移,出生,死亡注销,变更更正|行政确认|M|20
户籍证明开具||公共服务|I|5
居住证{}|申领,签注,换领,补领|行政确认|M|15
普通护照{}|签发,换发,补发|行政许可|P|15
往来港澳通行证及签注{}|签发,换发,补发|行政许可|P|15
往来台湾通行证及签注{}|签发,换发,补发|行政许可|P|15
机动车{}登记|注册,转移,变更,抵押,注销|行政确认|M|5
机动车驾驶证{}|换证,补证,延期|行政许可|M|5
机动车检验合格标志核发||行政确认|I|5
公章刻制备案|*|行政备案|I|1
旅馆业特种行业许可|新办,变更,注销|行政许可|M|20
大型群众性活动安全许可||行政许可|P|7
剧毒化学品购买许可||行政许可|P|5
民用爆炸物品购买许可||行政许可|P|5
犬只登记|新办,年检,注销|行政确认|M|10
无犯罪记录证明开具||公共服务|I|5
保安服务公司设立许可||行政许可|R|30
互联网上网服务营业场所信息网络安全审核||行政许可|P|20
外国人{}|居留许可,签证延期,停留证件|行政许可|P|15
港澳台居民居住证申领||行政确认|P|20
户口簿{}|补领,换领|行政确认|I|5
姓名变更登记||行政确认|P|20
出生日期更正||行政确认|P|30
机动车临时号牌核发||行政许可|I|1
机动车驾驶证{}|初次申领,增驾,注销|行政许可|M|20
驾驶人{}|审验,满分学习考试预约|公共服务|I|5
交通事故认定复核||行政裁决|P|30
校车使用许可||行政许可|P|20
焰火晚会烟花爆竹燃放许可||行政许可|P|20
典当业特种行业许可||行政许可|P|20
易制爆危险化学品从业单位备案||行政备案|I|5
""",
    "FGW": """
企业投资项目{}|核准,变更核准|行政许可|P|20
企业投资项目{}|备案,备案变更|行政备案|I|3
政府投资项目建议书审批||行政许可|P|20
政府投资项目可行性研究报告审批||行政许可|J:ZRZYJ+STHJJ|20
政府投资项目初步设计审批||行政许可|P|20
固定资产投资项目节能审查||行政许可|P|20
价格认定||其他行政权力|P|30
招标方案核准||行政许可|P|10
外商投资项目{}|核准,备案|行政许可|R|20
企业境外投资项目备案||行政备案|R|7
充电设施建设项目备案||行政备案|I|3
重大项目社会稳定风险评估备案||行政备案|P|10
政府定价成本监审||其他行政权力|P|60
价格收费标准{}|制定,调整|其他行政权力|R|60
""",
    "JYJ": """
民办学校{}|设立,变更,终止|行政许可|R|60
教师资格认定||行政许可|P|60
教师资格证书{}|补发,换发|行政确认|M|20
校外培训机构{}|设立,变更,注销|行政许可|M|20
义务教育阶段学生转学||公共服务|P|10
适龄儿童入学登记||公共服务|I|10
学历证明书{}|办理,补办|公共服务|M|10
家庭经济困难学生资助申请||行政给付|P|20
普通话水平测试等级证书补办||公共服务|P|20
幼儿园{}|设立,变更,注销|行政许可|M|30
""",
    "ZY": """
立案登记|民事,行政,执行|公共服务|P|7
诉讼费{}|缴纳,退费|公共服务|M|10
司法救助申请||公共服务|P|10
诉前调解申请||公共服务|P|30
判决书生效证明开具||公共服务|I|3
执行案件进度查询||公共服务|I|1
诉讼材料{}|查阅,复制|公共服务|I|3
""",
    "ZZB": """
党员组织关系转接|转入,转出|公共服务|M|5
公务员调任审批||其他行政权力|P|20
人才引进落户服务||公共服务|J:GAJ+RSJ|20
高层次人才认定||行政确认|P|30
干部人事档案查阅||公共服务|P|5
""",
    "SWJ": """
税务登记|设立,变更,注销|行政确认|M|10
增值税发票{}|领用,代开|公共服务|I|5
增值税专用发票最高开票限额审批||行政许可|P|10
个人所得税{}|汇算清缴申报,专项附加扣除填报|公共服务|I|5
纳税证明开具||公共服务|I|3
完税证明开具||公共服务|I|3
税收优惠资格{}|备案,核准|行政确认|P|20
出口退（免）税{}|备案,申报|行政确认|P|20
社会保险费{}|缴费登记,申报缴纳|行政征收|I|5
车辆购置税{}|申报,完税证明补办|行政征收|I|5
非正常户解除||其他行政权力|I|5
延期缴纳税款核准||行政许可|P|20
契税申报||行政征收|I|5
跨区域涉税事项报告||公共服务|I|1
纳税信用修复||其他行政权力|P|15
税收居民身份证明开具||公共服务|P|10
增值税一般纳税人登记||行政确认|I|1
退（抵）税{}|申请,审核|行政确认|P|10
印花税申报||行政征收|I|1
房产税申报||行政征收|I|1
城镇土地使用税申报||行政征收|I|1
个人所得税纳税记录开具||公共服务|I|1
清税证明开具||公共服务|I|1
""",
    "JCY": """
控告申诉受理||公共服务|P|7
国家赔偿申请受理||公共服务|P|60
律师阅卷预约||公共服务|I|3
检察听证申请||公共服务|P|10
司法救助申请||公共服务|P|10
""",
    "XZSPJ": """
营业性演出许可|新办,变更,延续,注销|行政许可|M|20
娱乐场所经营许可|新办,变更,注销|行政许可|M|20
公共场所卫生许可|新办,变更,延续,注销|行政许可|M|20
道路货物运输经营许可|新办,变更,注销|行政许可|M|20
建筑业企业资质{}|核准,延续,变更|行政许可|P|20
民办非企业单位{}登记|成立,变更,注销|行政许可|M|30
社会团体{}登记|成立,变更,注销|行政许可|M|30
城镇污水排入排水管网许可|新办,变更,延续|行政许可|P|15
工程建设项目联合验收||公共服务|J:ZJJ+ZRZYJ+RFB+QXJ|15
施工图联合审查||公共服务|J:ZJJ+RFB+QXJ|15
大型户外广告设置审批||行政许可|P|20
医疗机构设置审批||行政许可|P|20
出版物零售单位设立审批|新办,变更,注销|行政许可|M|20
印刷经营许可|新办,变更,注销|行政许可|M|20
开办饭店一件事||公共服务|J:SCJGJ+WGLJ+STHJJ|15
开办便利店一件事||公共服务|J:SCJGJ+YCJ|10
新生儿出生一件事||公共服务|J:GAJ+WJW+YBJ|10
退休一件事||公共服务|J:RSJ+YBJ+GJJ|15
企业注销一件事||公共服务|J:SCJGJ+SWJ+RSJ|10
二手房转移登记及水电气联动过户||公共服务|J:BDC+ZLS+RQ+GD|10
""",
    "BDC": """
不动产首次登记|国有建设用地使用权,房屋所有权,宅基地使用权|行政确认|P|30
不动产转移登记|买卖,继承,赠与,互换|行政确认|P|30
不动产变更登记||行政确认|P|30
不动产抵押登记|设立,变更,注销|行政确认|M|30
不动产预告登记|设立,注销|行政确认|M|30
不动产更正登记||行政确认|P|30
不动产异议登记||行政确认|P|30
不动产查封登记||行政确认|I|1
不动产注销登记||行政确认|I|30
不动产登记资料查询||公共服务|I|3
不动产权证书{}|补发,换发|行政确认|P|30
存量房买卖转移登记一窗办理||行政确认|J:SWJ+ZJJ|30
地役权登记|首次,变更,转移,注销|行政确认|M|30
居住权登记|首次,变更,注销|行政确认|M|30
土地承包经营权登记|首次,变更,转移,注销|行政确认|M|30
林权登记|首次,变更,转移,注销|行政确认|M|30
海域使用权登记|首次,变更,转移,注销|行政确认|M|30
""",
    "GJJ": """
住房公积金{}|缴存登记,单位信息变更,单位注销|公共服务|M|5
住房公积金个人账户{}|设立,封存,启封,转移|公共服务|M|5
住房公积金{}提取|购房,租房,离退休,偿还贷款,离职,大病|公共服务|M|5
住房公积金贷款{}|申请,提前还款,结清|公共服务|M|15
住房公积金缴存证明开具||公共服务|I|3
住房公积金缓缴审批||其他行政权力|P|10
住房公积金{}|补缴,基数调整,比例调整|公共服务|P|5
住房公积金贷款{}|变更借款人,变更还款方式,抵押物变更|公共服务|P|15
灵活就业人员住房公积金{}|缴存登记,提取|公共服务|P|5
住房公积金异地转移接续||公共服务|P|5
住房公积金贷款{}|资格审核,异地贷款缴存证明开具|公共服务|P|5
""",
    "YBJ": """
基本医疗保险参保登记|单位,个人|公共服务|I|5
医保关系转移接续||公共服务|P|15
异地就医备案|长期,临时|公共服务|I|3
门诊慢特病待遇认定||行政确认|P|20
医疗费用手工报销||行政给付|P|20
生育津贴申领||行政给付|P|20
定点医药机构申请||其他行政权力|P|60
医疗救助申请||行政给付|J:MZJ|20
医保电子凭证激活||公共服务|I|1
长期护理保险待遇申请||行政给付|P|20
城乡居民医保{}|参保缴费,缴费信息变更,待遇暂停|公共服务|M|5
定点医药机构{}|变更,注销|其他行政权力|M|20
医疗保障待遇{}|零星报销,转外就医备案|行政给付|P|20
医保参保凭证打印||公共服务|I|1
特殊药品待遇认定||行政确认|P|10
""",
    "SWB": """
党内文件查阅申请||公共服务|P|5
市委信息公开申请||公共服务|P|20
""",
    "XCB": """
新闻记者证{}|申领,换发|行政许可|R|20
电影放映单位设立审批||行政许可|P|20
文明单位申报||行政奖励|P|30
""",
    "TZB": """
宗教活动场所{}|设立,变更,注销|行政许可|R|30
宗教教职人员备案||行政备案|P|20
民族成份变更审核||行政确认|P|20
归侨侨眷身份确认||行政确认|P|20
""",
    "ZFW": """
见义勇为人员确认||行政确认|P|30
见义勇为人员奖励||行政奖励|P|30
涉法涉诉信访事项受理||公共服务|P|15
""",
    "BB": """
事业单位法人{}登记|设立,变更,注销|行政许可|M|15
事业单位法人年度报告公示||公共服务|I|5
事业单位法人证书补领||行政确认|P|5
""",
    "ZFB": """
政府信息公开申请||公共服务|P|20
12345热线诉求办理||公共服务|P|5
""",
    "KJJ": """
外国人来华工作许可|新办,延期,变更,注销|行政许可|M|10
高新技术企业认定||行政确认|R|60
科技型中小企业评价||行政确认|P|20
技术合同认定登记||行政确认|I|5
科技成果登记||公共服务|I|5
实验动物生产许可|新办,变更,延续|行政许可|R|30
市级科技计划项目申报||公共服务|P|60
科技企业孵化器认定||行政确认|P|60
众创空间备案||行政备案|P|20
技术转移机构认定||行政确认|P|30
外国高端人才确认函||行政许可|R|10
""",
    "GXJ": """
技术改造项目备案||行政备案|I|5
无线电台（站）设置审批||行政许可|R|20
专精特新中小企业认定||行政确认|P|30
企业技术中心认定||行政确认|P|30
民用爆炸物品销售许可|*|行政许可|R|30
""",
    "MZJ": """
结婚登记||行政确认|I|1
离婚登记||行政确认|P|30
婚姻登记证{}|补领,撤销|行政确认|M|30
最低生活保障{}|申请,变更,停止|行政给付|M|30
特困人员救助供养申请||行政给付|P|30
临时救助申请||行政给付|P|15
高龄津贴申领||行政给付|P|20
困难残疾人生活补贴申领||行政给付|J:CL|20
重度残疾人护理补贴申领||行政给付|J:CL|20
养老机构备案|*|行政备案|I|5
慈善组织认定||行政确认|P|20
公开募捐资格审核||行政许可|P|20
殡葬补贴申领||行政给付|P|10
地名命名更名审批||行政许可|P|30
收养登记||行政确认|P|30
社会组织年度检查||其他行政权力|P|30
孤儿基本生活费申领||行政给付|P|20
事实无人抚养儿童认定||行政确认|P|30
经济困难老年人养老服务补贴申领||行政给付|P|20
社会组织{}|章程核准,负责人变更备案|行政备案|P|20
婚姻登记档案查询||公共服务|I|3
骨灰安放申请||公共服务|P|5
低保边缘家庭认定||行政确认|P|30
""",
    "SFJ": """
法律援助申请||公共服务|P|7
律师执业许可|新办,变更,注销|行政许可|R|20
基层法律服务工作者执业核准||行政许可|R|20
公证员执业审核||行政许可|R|20
人民调解申请||公共服务|P|30
行政复议申请||行政裁决|P|60
""",
    "CZJ": """
代理记账{}|许可,变更备案|行政许可|M|10
行政事业性收费票据{}|领用,核销|公共服务|I|5
政府采购投诉处理||行政裁决|P|30
会计人员继续教育学分登记||公共服务|I|5
政府采购进口产品审核||其他行政权力|P|15
""",
    "ZRZYJ": """
建设用地规划许可||行政许可|P|20
建设工程规划许可|新办,变更,延续|行政许可|P|20
乡村建设规划许可||行政许可|P|20
建设项目用地预审与选址意见书核发||行政许可|P|20
国有建设用地使用权{}|划拨,协议出让,续期|行政许可|R|30
临时用地审批||行政许可|P|20
采矿许可|新立,延续,变更,注销|行政许可|R|40
土地复垦方案审查||其他行政权力|P|20
测绘资质{}|审批,变更|行政许可|R|20
建设工程规划条件核实||行政确认|P|10
农村宅基地用地审批||行政许可|J:NYNCJ|20
建设工程竣工规划测量成果审核||行政确认|P|10
地质灾害危险性评估报告备案||行政备案|P|10
划拨土地使用权{}|转让审批,出租审批,抵押审批|行政许可|P|20
城乡规划{}|修改申请,查询|公共服务|P|20
基础测绘成果提供使用审批||行政许可|P|20
永久性测量标志拆迁审批||行政许可|P|20
矿业权{}|转让审批,抵押备案|行政许可|R|40
""",
    "STHJJ": """
建设项目环境影响报告书审批||行政许可|P|60
建设项目环境影响报告表审批||行政许可|P|30
建设项目环境影响登记表备案||行政备案|I|1
排污许可|新办,变更,延续,注销|行政许可|M|20
危险废物经营许可|新办,变更,延续|行政许可|R|20
辐射安全许可|新办,变更,延续|行政许可|R|20
环境污染举报受理||其他行政权力|P|60
夜间建筑施工作业审批||行政许可|P|5
排污登记||行政备案|I|1
建设项目竣工环境保护验收信息公开||公共服务|I|5
危险废物转移备案||行政备案|I|5
拆除或闲置污染防治设施审批||行政许可|P|20
""",
    "ZJJ": """
建筑工程施工许可|新办,变更|行政许可|P|7
商品房预售许可||行政许可|P|10
房地产开发企业资质{}|核定,延续,变更|行政许可|P|20
建设工程消防设计审查||行政许可|P|15
建设工程消防验收||行政许可|P|15
建设工程消防验收备案||行政备案|I|5
公共租赁住房资格{}|申请,变更,退出|行政给付|P|30
房屋租赁登记备案||行政备案|I|3
商品房买卖合同网签备案||行政备案|I|1
城市建筑垃圾处置核准|*|行政许可|P|20
建筑起重机械使用登记||行政确认|P|7
建设工程竣工验收备案||行政备案|P|15
建筑施工企业安全生产许可|新办,延续,变更|行政许可|R|45
建设工程质量检测机构资质|新办,延续,变更|行政许可|P|20
房屋建筑和市政基础设施工程{}|招标文件备案,合同备案|行政备案|I|5
物业服务企业备案||行政备案|I|5
住宅专项维修资金{}|交存,使用,退还|公共服务|P|10
商品房现售备案||行政备案|P|5
存量房交易资金监管||公共服务|P|5
既有住宅加装电梯联合审查||公共服务|J:ZRZYJ+SCJGJ|20
房地产估价机构备案||行政备案|P|20
""",
    "JTJ": """
道路运输经营许可|客运,货运,危险货物运输|行政许可|P|20
道路运输证{}|配发,换发,注销|行政许可|M|10
出租汽车驾驶员从业资格证{}|核发,注销|行政许可|M|20
网络预约出租汽车运输证{}|核发,注销|行政许可|M|10
机动车维修经营备案|*|行政备案|I|5
机动车驾驶员培训经营备案|*|行政备案|I|5
公路超限运输许可||行政许可|P|5
涉路施工许可||行政许可|P|20
港口经营许可|*|行政许可|R|30
道路客运班线经营许可|新办,变更,延续,终止|行政许可|P|20
巡游出租汽车经营许可||行政许可|P|20
道路运输从业人员从业资格证{}|核发,换发,补发,注销|行政许可|M|20
公路建设项目施工许可||行政许可|P|20
更新采伐护路林审批||行政许可|P|20
船舶营运证{}|配发,注销|行政许可|M|10
水路运输经营许可||行政许可|R|20
城市公共汽电车线路经营许可||行政许可|P|20
""",
    "SLJ": """
取水许可|新办,延续,变更|行政许可|P|45
河道管理范围内建设项目工程建设方案审批||行政许可|P|20
生产建设项目水土保持方案审批||行政许可|P|20
洪水影响评价类审批||行政许可|P|20
水土保持设施验收报备||行政备案|I|5
水利工程质量监督手续办理||其他行政权力|P|5
取水工程验收||行政确认|P|20
河道采砂许可||行政许可|P|20
""",
    "NYNCJ": """
种子生产经营许可|新办,变更,延续|行政许可|R|20
农药经营许可|新办,变更,延续|行政许可|M|20
兽药经营许可|新办,变更,延续|行政许可|M|20
动物防疫条件合格证核发|*|行政许可|P|20
动物诊疗许可|*|行政许可|P|20
拖拉机和联合收割机{}登记|注册,转移,注销|行政许可|M|5
拖拉机和联合收割机驾驶证{}|申领,换证,补证|行政许可|M|5
农业机械购置补贴申领||行政给付|P|30
水产苗种生产许可|*|行政许可|P|20
生鲜乳收购站许可|*|行政许可|P|20
农村土地经营权流转合同备案||行政备案|I|5
动物检疫合格证明出具||行政许可|I|1
执业兽医备案||行政备案|I|5
乡村兽医登记||行政许可|P|20
农业植物检疫证书核发||行政许可|I|5
渔业捕捞许可|新办,变更,注销|行政许可|M|20
农村土地承包经营纠纷仲裁申请||行政裁决|P|60
农民合作社示范社认定||行政确认|P|30
""",
    "SHWJ": """
对外贸易经营者备案登记|*|行政备案|I|5
单用途商业预付卡备案|*|行政备案|I|5
成品油零售经营资格{}|审批,变更|行政许可|R|20
报废机动车回收企业资质认定||行政许可|R|20
拍卖企业{}|设立,变更|行政许可|R|20
汽车销售企业信息备案|*|行政备案|I|5
外商投资企业信息报告||公共服务|I|5
""",
    "WGLJ": """
旅行社{}|设立许可,变更备案,注销|行政许可|M|20
文物保护单位保护范围内建设工程审批||行政许可|R|20
艺术品经营单位备案|*|行政备案|I|5
互联网上网服务营业场所经营单位{}|设立审批,变更,注销|行政许可|M|20
A级旅游景区评定||行政确认|R|60
导游证{}|核发,换发|行政许可|R|10
广播电视节目制作经营许可|*|行政许可|R|20
卫星电视广播地面接收设施安装许可|*|行政许可|R|20
文艺表演团体设立||行政许可|P|20
旅行社分社备案||行政备案|I|5
博物馆设立备案||行政备案|P|20
公共图书馆读者证{}|办理,挂失,注销|公共服务|I|1
文化馆公益培训报名||公共服务|I|1
非物质文化遗产代表性传承人认定||行政确认|P|60
星级饭店评定||行政确认|R|60
""",
    "WJW": """
医疗机构执业登记|新办,变更,校验,注销|行政许可|M|45
医师执业注册|首次注册,变更注册,注销注册|行政许可|M|20
护士执业注册|首次注册,延续注册,变更注册|行政许可|M|20
出生医学证明{}|签发,补发,换发|行政确认|M|10
母婴保健技术服务执业许可|*|行政许可|P|20
放射诊疗许可|新办,变更,校验|行政许可|P|20
生育登记||公共服务|I|5
计划生育家庭特别扶助金申领||行政给付|P|30
饮用水供水单位卫生许可|新办,延续|行政许可|P|20
职业健康检查机构备案|*|行政备案|P|5
预防接种证{}|办理,补办|公共服务|I|1
放射性职业病危害建设项目{}|预评价审核,竣工验收|行政许可|P|20
乡村医生执业注册|首次注册,再注册,变更注册|行政许可|M|20
医疗广告审查||行政许可|R|20
消毒产品生产企业卫生许可|新办,延续,变更|行政许可|P|20
中医诊所备案||行政备案|I|5
病原微生物实验室备案||行政备案|P|15
病残儿医学鉴定||行政确认|P|30
死亡医学证明{}|签发,补发|行政确认|M|5
""",
    "TYJRJ": """
退役士兵{}|接收安置,自主就业一次性经济补助|行政给付|P|30
优待证{}|申领,补办|公共服务|M|20
伤残等级评定||行政确认|R|60
烈士褒扬金发放||行政给付|P|20
退役军人创业贷款贴息||行政给付|J:CZJ|30
优抚对象定期抚恤补助||行政给付|P|30
光荣牌悬挂||公共服务|P|10
退役军人档案接收||公共服务|P|10
""",
    "YJGLJ": """
危险化学品经营许可|新办,变更,延续|行政许可|M|30
烟花爆竹经营（零售）许可|新办,延续|行政许可|M|20
非药品类易制毒化学品生产经营备案|第二类,第三类|行政备案|I|5
生产安全事故应急预案备案||行政备案|I|5
特种作业操作证{}|核发,复审,补发|行政许可|M|20
危险化学品建设项目安全条件审查||行政许可|P|45
金属冶炼建设项目安全设施设计审查||行政许可|P|20
自然灾害救助资金申请||行政给付|P|30
""",
    "SJJ": """
内部审计工作咨询||公共服务|P|10
审计结果公告查询||公共服务|I|5
""",
    "GZW": """
国有资产产权登记|占有,变动,注销|行政确认|P|20
国有资产评估项目备案||行政备案|P|20
国有企业投资项目备案||行政备案|P|20
""",
    "TYJ": """
高危险性体育项目经营许可|新办,变更,延续|行政许可|P|30
体育类社会组织业务审查||其他行政权力|P|20
运动员技术等级称号授予||行政确认|P|30
社会体育指导员技术等级认定||行政确认|P|30
公共体育场馆开放预约||公共服务|I|1
健身气功活动站点审批||行政许可|P|20
""",
    "TJJ": """
统计调查项目审批||行政许可|P|20
统计资料查询||公共服务|I|5
统计违法举报受理||其他行政权力|P|60
""",
    "CGJ": """
城市道路挖掘许可||行政许可|P|10
临时占用城市道路许可||行政许可|P|10
户外广告设施设置审批|新设,延期|行政许可|P|10
城市绿地临时占用审批||行政许可|P|10
砍伐迁移城市树木审批||行政许可|P|10
城市生活垃圾经营性清扫收集运输许可|*|行政许可|P|20
建筑垃圾运输核准||行政许可|P|10
市政设施损坏赔偿||其他行政权力|P|10
门头招牌设置备案||行政备案|I|3
""",
    "LYJ": """
林木采伐许可||行政许可|P|20
使用林地审核||行政许可|R|20
林草种子生产经营许可|*|行政许可|P|20
野生动物人工繁育许可|*|行政许可|R|20
古树名木迁移审批||行政许可|R|20
森林防火期内野外用火审批||行政许可|P|5
植物检疫证书核发||行政许可|I|5
""",
    "XFJ": """
信访事项受理||公共服务|P|15
信访事项复查申请||公共服务|P|30
网上信访事项办理||公共服务|P|15
""",
    "JGSWJ": """
公共机构节能改造项目备案||行政备案|I|5
机关会议场所对外预约||公共服务|I|3
""",
    "SJZYJ": """
政务数据共享申请||公共服务|P|10
公共数据开放申请||公共服务|P|10
电子证照{}|申领,纠错|公共服务|M|5
统一身份认证账号{}|注册,找回|公共服务|I|1
""",
    "RFB": """
人防工程{}|易地建设审批,拆除审批|行政许可|P|20
人防工程竣工验收备案||行政备案|P|15
防空地下室建设审批||行政许可|P|20
人防警报设施拆除审批||行政许可|P|20
""",
    "LSJ": """
粮食收购企业备案|*|行政备案|I|5
地方储备粮承储企业资格认定||行政确认|P|30
""",
    "JRJ": """
小额贷款公司{}|设立,变更|行政许可|R|30
融资担保公司{}|设立,变更|行政许可|R|30
典当行设立初审||行政许可|R|20
企业上市挂牌服务申请||公共服务|P|10
""",
    "TCJ": """
外来投资项目落户服务||公共服务|P|10
重大招商项目代办服务||公共服务|J:XZSPJ+ZRZYJ|10
""",
    "DAJ": """
档案查阅|婚姻档案,学籍档案,知青档案,工龄档案|公共服务|I|5
档案证明出具||公共服务|I|3
档案{}|寄存,捐赠|公共服务|P|10
""",
    "SBZX": """
企业职工基本养老保险{}|参保登记,关系转移接续,待遇申领|公共服务|M|15
城乡居民基本养老保险{}|参保登记,待遇申领,注销登记|公共服务|M|15
工伤保险待遇核定||行政给付|P|20
失业保险稳岗返还||行政给付|P|20
社会保险个人权益记录打印||公共服务|I|1
社会保险参保缴费证明开具||公共服务|I|1
个人账户一次性待遇申领||行政给付|P|20
丧葬补助金和抚恤金申领||行政给付|P|20
养老保险待遇资格认证||公共服务|I|1
单位参保信息变更登记||公共服务|I|5
社会保险{}|单位参保登记,单位注销登记|公共服务|M|5
工伤保险{}|医疗费报销,一次性伤残补助金申领,伤残津贴申领|行政给付|P|20
失业保险{}|技能提升补贴申领,农民合同制工人一次性生活补助申领|行政给付|P|20
养老保险{}|视同缴费年限认定,待遇重新核定,遗属待遇申领|行政给付|P|20
社保待遇{}|暂停,恢复,银行账户变更|公共服务|P|5
""",
    "GGZY": """
工程建设项目进场交易登记||公共服务|P|5
政府采购项目进场交易||公共服务|P|5
投标保证金{}|缴纳,退还|公共服务|M|5
开评标场地预约||公共服务|I|1
CA数字证书{}|办理,续期|公共服务|I|1
""",
    "ZLS": """
用水报装|居民,非居民|公共服务|P|15
用水户名{}|过户,更名|公共服务|I|3
水表{}|报修,校验|公共服务|P|5
临时用水申请||公共服务|P|5
用水销户||公共服务|I|3
水费发票开具||公共服务|I|1
""",
    "RQ": """
管道燃气报装|居民,工商业|公共服务|P|20
燃气{}|过户,更名,销户|公共服务|I|3
燃气设施改装申请||公共服务|P|10
燃气安全检查预约||公共服务|I|5
燃气开通点火||公共服务|P|5
""",
    "HG": """
报关单位备案|新办,变更,注销|行政备案|M|5
进出口货物收发货人备案||行政备案|I|3
出口食品生产企业备案|*|行政备案|P|20
进境动植物检疫审批||行政许可|R|20
原产地证书签发||行政确认|I|1
海关企业信用修复||其他行政权力|P|30
加工贸易手册设立||行政许可|P|10
""",
    "GD": """
低压用电报装|居民,非居民|公共服务|P|5
高压用电报装||公共服务|P|15
用电{}|过户,更名,销户,暂停,减容|公共服务|M|5
分布式光伏并网申请||公共服务|P|15
电动汽车充电桩报装||公共服务|P|5
电费发票开具||公共服务|I|1
""",
    "TL": """
铁路客票{}|改签,退票|公共服务|I|1
重点旅客预约服务||公共服务|I|1
遗失物品查询认领||公共服务|I|3
""",
    "YZ": """
政务证照寄递||公共服务|I|3
邮政汇款{}|查询,退汇|公共服务|I|3
邮件查询||公共服务|I|1
""",
    "QXJ": """
防雷装置设计审核||行政许可|P|20
防雷装置竣工验收||行政许可|P|10
升放无人驾驶自由气球审批||行政许可|P|5
气象灾害证明出具||公共服务|P|5
""",
    "YCJ": """
烟草专卖零售许可证|新办,延续,变更,停业,恢复营业,歇业|行政许可|M|20
烟草专卖品准运证核发||行政许可|I|3
""",
    "DCD": """
统计调查数据查询||公共服务|I|5
""",
    "DX": """
固定电话{}|装机,移机,拆机|公共服务|M|5
宽带{}|装机,移机,拆机,过户|公共服务|M|5
政企专线开通||公共服务|P|20
""",
    "ZGH": """
困难职工帮扶申请||行政给付|P|20
工会法人资格{}登记|设立,变更,注销|行政确认|P|10
职工法律援助申请||公共服务|P|7
劳模待遇申领||行政给付|P|20
""",
    "TSW": """
青年创业扶持申请||公共服务|P|20
志愿者注册||公共服务|I|1
希望工程助学申请||公共服务|P|30
""",
    "FL": """
妇女儿童维权投诉受理||公共服务|P|15
困难妇女“两癌”救助申请||行政给付|P|20
家庭教育指导服务预约||公共服务|I|3
""",
    "CL": """
残疾人证{}|新办,换领,迁移,补办,注销|行政确认|M|20
残疾人辅助器具适配申请||公共服务|P|20
残疾儿童康复救助申请||行政给付|P|20
残疾人自主创业扶持申请||行政给付|P|20
""",
}
# fmt: on

# Sub-items that are done on the spot when an item is "mixed".
INSTANT_WORDS = (
    "注销",
    "补领",
    "补办",
    "补发",
    "补证",
    "挂失",
    "解挂",
    "查询",
    "过户",
    "更名",
    "封存",
    "启封",
    "停业",
    "歇业",
    "恢复营业",
    "暂停",
    "撤销",
    "注销登记",
    "退出",
)
# The usual sub-items of a licence or a filing (lines marked "*").
STANDARD_VARIANTS = {
    "行政许可": ("新办", "变更", "延续", "注销"),
    "行政备案": ("首次备案", "变更备案", "注销备案"),
}
# How a catalog lists one procedure under several entries when a department offers fewer
# procedures than its share: a licence granted on the applicant's written commitment
# (告知承诺制, decided on the spot) and services done entirely online (全程网办).
PROMISE_SUFFIX, ONLINE_SUFFIX = "（告知承诺制）", "（全程网办）"

# Laws by department: the basis (设定依据) is drawn from these (real laws, quoted by title only).
LAWS: dict[str, tuple[str, ...]] = {
    "RSJ": (
        "《中华人民共和国就业促进法》",
        "《中华人民共和国社会保险法》",
        "《失业保险条例》",
        "《工伤保险条例》",
        "《人力资源市场暂行条例》",
        "《中华人民共和国劳动合同法》",
    ),
    "SCJGJ": (
        "《中华人民共和国市场主体登记管理条例》",
        "《中华人民共和国食品安全法》",
        "《中华人民共和国特种设备安全法》",
        "《中华人民共和国药品管理法》",
        "《中华人民共和国计量法》",
        "《动产和权利担保统一登记办法》",
    ),
    "GAJ": (
        "《中华人民共和国居民身份证法》",
        "《中华人民共和国户口登记条例》",
        "《居住证暂行条例》",
        "《中华人民共和国护照法》",
        "《中华人民共和国道路交通安全法》",
        "《旅馆业治安管理办法》",
        "《大型群众性活动安全管理条例》",
    ),
    "FGW": (
        "《企业投资项目核准和备案管理条例》",
        "《政府投资条例》",
        "《中华人民共和国节约能源法》",
        "《中华人民共和国价格法》",
        "《中华人民共和国招标投标法》",
    ),
    "JYJ": (
        "《中华人民共和国教育法》",
        "《中华人民共和国教师法》",
        "《教师资格条例》",
        "《中华人民共和国民办教育促进法》",
        "《中华人民共和国义务教育法》",
    ),
    "ZY": ("《中华人民共和国民事诉讼法》", "《中华人民共和国行政诉讼法》", "《诉讼费用交纳办法》"),
    "ZZB": ("《中国共产党党员教育管理工作条例》", "《中华人民共和国公务员法》"),
    "SWJ": (
        "《中华人民共和国税收征收管理法》",
        "《中华人民共和国发票管理办法》",
        "《中华人民共和国个人所得税法》",
        "《中华人民共和国契税法》",
    ),
    "JCY": ("《人民检察院信访工作规定》", "《中华人民共和国国家赔偿法》"),
    "XZSPJ": (
        "《中华人民共和国行政许可法》",
        "《营业性演出管理条例》",
        "《娱乐场所管理条例》",
        "《公共场所卫生管理条例》",
        "《社会团体登记管理条例》",
        "《城镇排水与污水处理条例》",
    ),
    "BDC": ("《中华人民共和国民法典》", "《不动产登记暂行条例》", "《不动产登记暂行条例实施细则》"),
    "GJJ": ("《住房公积金管理条例》",),
    "YBJ": ("《中华人民共和国社会保险法》", "《医疗保障基金使用监督管理条例》"),
    "XCB": ("《电影产业促进法》", "《新闻记者证管理办法》"),
    "TZB": ("《宗教事务条例》",),
    "ZFW": ("《示范省见义勇为人员奖励和保护条例》",),
    "BB": ("《事业单位登记管理暂行条例》",),
    "ZFB": ("《中华人民共和国政府信息公开条例》",),
    "KJJ": (
        "《中华人民共和国科学技术进步法》",
        "《外国人在中国就业管理规定》",
        "《实验动物管理条例》",
    ),
    "GXJ": ("《中华人民共和国无线电管理条例》", "《民用爆炸物品安全管理条例》"),
    "MZJ": (
        "《婚姻登记条例》",
        "《社会救助暂行办法》",
        "《中华人民共和国慈善法》",
        "《地名管理条例》",
        "《中华人民共和国老年人权益保障法》",
    ),
    "SFJ": (
        "《中华人民共和国法律援助法》",
        "《中华人民共和国律师法》",
        "《中华人民共和国人民调解法》",
        "《中华人民共和国行政复议法》",
    ),
    "CZJ": ("《中华人民共和国会计法》", "《代理记账管理办法》", "《中华人民共和国政府采购法》"),
    "ZRZYJ": (
        "《中华人民共和国城乡规划法》",
        "《中华人民共和国土地管理法》",
        "《中华人民共和国矿产资源法》",
        "《中华人民共和国测绘法》",
    ),
    "STHJJ": (
        "《中华人民共和国环境影响评价法》",
        "《排污许可管理条例》",
        "《中华人民共和国固体废物污染环境防治法》",
        "《放射性同位素与射线装置安全和防护条例》",
    ),
    "ZJJ": (
        "《中华人民共和国建筑法》",
        "《城市房地产开发经营管理条例》",
        "《中华人民共和国消防法》",
        "《建设工程质量管理条例》",
        "《公共租赁住房管理办法》",
    ),
    "JTJ": (
        "《中华人民共和国道路运输条例》",
        "《中华人民共和国公路法》",
        "《中华人民共和国港口法》",
    ),
    "SLJ": (
        "《中华人民共和国水法》",
        "《取水许可和水资源费征收管理条例》",
        "《中华人民共和国水土保持法》",
        "《中华人民共和国河道管理条例》",
    ),
    "NYNCJ": (
        "《中华人民共和国种子法》",
        "《农药管理条例》",
        "《兽药管理条例》",
        "《中华人民共和国动物防疫法》",
        "《农业机械安全监督管理条例》",
    ),
    "SHWJ": (
        "《中华人民共和国对外贸易法》",
        "《成品油市场管理办法》",
        "《报废机动车回收管理办法》",
    ),
    "WGLJ": (
        "《旅行社条例》",
        "《中华人民共和国文物保护法》",
        "《互联网上网服务营业场所管理条例》",
        "《导游管理办法》",
        "《广播电视管理条例》",
    ),
    "WJW": (
        "《医疗机构管理条例》",
        "《中华人民共和国医师法》",
        "《护士条例》",
        "《中华人民共和国母婴保健法》",
        "《放射诊疗管理规定》",
    ),
    "TYJRJ": ("《中华人民共和国退役军人保障法》", "《退役士兵安置条例》", "《军人抚恤优待条例》"),
    "YJGLJ": (
        "《中华人民共和国安全生产法》",
        "《危险化学品安全管理条例》",
        "《烟花爆竹安全管理条例》",
        "《易制毒化学品管理条例》",
    ),
    "GZW": ("《企业国有资产监督管理暂行条例》",),
    "TYJ": ("《中华人民共和国体育法》", "《全民健身条例》"),
    "TJJ": ("《中华人民共和国统计法》",),
    "CGJ": ("《城市道路管理条例》", "《城市绿化条例》", "《城市市容和环境卫生管理条例》"),
    "LYJ": ("《中华人民共和国森林法》", "《中华人民共和国野生动物保护法》", "《植物检疫条例》"),
    "XFJ": ("《信访工作条例》",),
    "SJZYJ": ("《示范市公共数据管理办法》",),
    "RFB": ("《中华人民共和国人民防空法》",),
    "LSJ": ("《粮食流通管理条例》",),
    "JRJ": ("《融资担保公司监督管理条例》",),
    "DAJ": ("《中华人民共和国档案法》",),
    "SBZX": ("《中华人民共和国社会保险法》", "《工伤保险条例》"),
    "GGZY": ("《中华人民共和国招标投标法》", "《公共资源交易平台管理暂行办法》"),
    "HG": ("《中华人民共和国海关法》", "《中华人民共和国进出境动植物检疫法》"),
    "QXJ": ("《中华人民共和国气象法》", "《气象灾害防御条例》"),
    "YCJ": ("《中华人民共和国烟草专卖法》",),
    "ZGH": ("《中华人民共和国工会法》",),
    "CL": ("《中华人民共和国残疾人保障法》",),
}
SERVICE_BASIS = "《示范市政务服务事项管理办法》"
PROVINCE_FEES = "《示范省行政事业性收费目录清单（2024年版）》"

# Fees the catalog allows, with their basis, for items whose name contains the keyword:
# (keyword, fee name, standard, amount or None when it varies, basis).
FEES: tuple[tuple[str, str, str, float | None, str], ...] = (
    ("居民身份证", "居民身份证工本费", "每证20元（首次申领免费）", 20, f"{PROVINCE_FEES}第3项"),
    ("护照", "普通护照工本费", "每本120元", 120, f"{PROVINCE_FEES}第4项"),
    ("通行证", "通行证工本费", "每证60元，签注每次15元", 60, f"{PROVINCE_FEES}第4项"),
    ("机动车注册", "机动车号牌工本费", "每副100元", 100, f"{PROVINCE_FEES}第5项"),
    ("机动车转移", "机动车号牌工本费", "每副100元", 100, f"{PROVINCE_FEES}第5项"),
    ("驾驶证", "机动车驾驶证工本费", "每证10元", 10, f"{PROVINCE_FEES}第5项"),
    (
        "不动产首次",
        "不动产登记费",
        "住宅类每件80元，非住宅类每件550元",
        80,
        f"{PROVINCE_FEES}第12项",
    ),
    (
        "不动产转移",
        "不动产登记费",
        "住宅类每件80元，非住宅类每件550元",
        80,
        f"{PROVINCE_FEES}第12项",
    ),
    (
        "不动产抵押",
        "不动产登记费",
        "住宅类每件80元，非住宅类每件550元",
        80,
        f"{PROVINCE_FEES}第12项",
    ),
    ("不动产权证书", "证书工本费", "每本10元", 10, f"{PROVINCE_FEES}第12项"),
    ("特种设备", "特种设备检验检测费", "按设备类别和参数计收", None, "示价费〔2022〕31号"),
    ("检疫", "动植物检疫费", "按检疫对象和数量计收", None, f"{PROVINCE_FEES}第21项"),
    ("用水报装", "接水工程费", "按实际工程量结算", None, "示价费〔2021〕8号"),
    ("燃气报装", "燃气管道安装费", "居民用户每户2600元", 2600, "示价费〔2021〕9号"),
    (
        "立案登记",
        "案件受理费",
        "按《诉讼费用交纳办法》规定的标准计收",
        None,
        "《诉讼费用交纳办法》",
    ),
    ("原产地", "原产地证书工本费", "每份20元", 20, "示价费〔2020〕5号"),
    ("占用城市道路", "城市道路占用费", "按占用面积和期限计收", None, f"{PROVINCE_FEES}第30项"),
    ("挖掘许可", "城市道路挖掘修复费", "按修复面积计收", None, f"{PROVINCE_FEES}第30项"),
    ("公证员", "公证员执业证工本费", "每证10元", 10, f"{PROVINCE_FEES}第9项"),
)

COMMON_MATERIALS = (
    ("授权委托书及受托人身份证明", "original", 1, False, "委托他人办理时提供"),
    ("近期免冠证件照片", "original", 2, True, "白底彩色二寸"),
    ("相关证明材料", "copy", 1, False, "视具体情况提供"),
    ("承诺书", "original", 1, True, "按规定格式填写"),
)
PERSON_MATERIALS = (
    ("申请人居民身份证", "both", 1, True, ""),
    ("户口簿", "both", 1, False, "本市户籍提供"),
)
BODY_MATERIALS = (
    ("营业执照或统一社会信用代码证书", "copy", 1, True, "加盖单位公章"),
    ("法定代表人身份证明", "copy", 1, True, ""),
)
DEPARTMENT_MATERIALS: dict[str, tuple[str, ...]] = {
    "RSJ": ("劳动合同", "社会保险缴费证明", "解除或终止劳动关系证明", "银行账户信息"),
    "SCJGJ": (
        "公司章程",
        "经营场所使用证明",
        "食品安全管理制度文本",
        "设备布局和工艺流程图",
        "从业人员健康证明",
        "名称自主申报告知书",
    ),
    "GAJ": (
        "原证件",
        "居住证明",
        "出生医学证明",
        "准迁证明",
        "机动车所有人身份证明",
        "机动车来历证明",
        "安全技术检验合格证明",
    ),
    "BDC": (
        "不动产权属证书",
        "不动产买卖合同",
        "完税凭证",
        "不动产权籍调查成果",
        "抵押合同及主债权合同",
        "宗地图和房屋平面图",
    ),
    "GJJ": ("住房公积金缴存证明", "购房合同或不动产权证书", "租赁合同", "银行卡", "退休证明"),
    "ZJJ": (
        "施工合同",
        "施工图设计文件审查合格书",
        "建设工程规划许可证",
        "资金到位证明",
        "质量安全监督手续",
        "消防设计文件",
    ),
    "ZRZYJ": (
        "建设项目批准或核准文件",
        "建设工程设计方案",
        "土地权属证明",
        "勘测定界图",
        "规划条件",
        "用地红线图",
    ),
    "STHJJ": ("环境影响报告书（表）", "排污口设置情况说明", "污染防治设施说明", "环境监测报告"),
    "WJW": ("医疗机构执业许可证", "执业医师资格证书", "设置批准书", "房屋平面布局图", "体检证明"),
    "MZJ": ("婚姻状况声明", "家庭收入和财产状况说明", "残疾人证", "医疗诊断证明", "死亡证明"),
    "SWJ": ("税务事项通知书", "财务会计报表", "发票领用簿", "相关合同"),
    "JTJ": ("车辆行驶证", "驾驶证", "道路运输证", "安全生产管理制度文本", "停车场地证明"),
    "NYNCJ": ("生产经营场所证明", "检验人员资格证明", "技术人员名单", "购机发票"),
    "YBJ": ("医保电子凭证或社会保障卡", "医疗费用发票", "出院小结", "病历资料"),
    "SBZX": ("社会保障卡", "参保缴费凭证", "银行账户信息", "死亡证明"),
    "CL": ("残疾评定表", "户口簿", "医疗诊断证明"),
}
GENERIC_MATERIALS = ("情况说明", "工作方案", "场所证明", "人员名单及资格证明", "相关批准文件")

BODY_WORDS = (
    "企业",
    "公司",
    "经营",
    "单位",
    "项目",
    "工程",
    "建设",
    "生产",
    "机构",
    "许可",
    "资质",
    "备案",
    "场所",
    "市场",
    "商",
    "运输",
    "交易",
    "报装",
    "专线",
)
HOURS = (
    "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）",
    "工作日8:30—17:30，中午不休息；周六上午9:00—12:00提供延时服务",
    "工作日上午8:30—12:00，下午14:00—17:30（夏令时下午14:30—18:00）",
)
CONDITIONS_PERSON = (
    "申请人为具有完全民事行为能力的自然人，本人或委托他人办理；申请材料齐全、符合法定形式。",
    "申请人符合相关法律法规规定的条件，如实提交有关材料和反映真实情况，并对申请材料的真实性负责。",
)
CONDITIONS_BODY = (
    "申请人为依法设立的企业或其他组织，具备与申请事项相适应的场所、设施设备和专业人员，申请材料齐全、符合法定形式。",
    "申请单位具有健全的管理制度和质量安全保障措施，近两年内无重大违法违规记录，申请材料真实、齐全。",
)


# ---- plan (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionSpec:
    effective_from: date
    fields: tuple[tuple[str, Any], ...]  # version fields, as (name, value) pairs
    materials: tuple[tuple[tuple[str, Any], ...], ...]
    fees: tuple[tuple[tuple[str, Any], ...], ...]
    steps: tuple[tuple[tuple[str, Any], ...], ...]  # a step's unit is a unit code or None


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    unit: str  # unit code
    handling_type: str
    category: str
    keywords: str
    is_active: bool
    versions: tuple[VersionSpec, ...]


@dataclass(frozen=True)
class _Template:
    department: str
    name: str
    base: str
    category: str
    kind: str
    partners: tuple[str, ...]
    legal: int


def _templates(code: str) -> list[_Template]:
    found = []
    for line in TEMPLATES.get(code, "").strip().splitlines():
        template, variants, category, kind, legal = line.split("|")
        partners: tuple[str, ...] = ()
        if kind.startswith("J:"):
            kind, partners = "J", tuple(kind[2:].split("+"))
        base = template.replace("{}", "")
        names = []
        listed = STANDARD_VARIANTS[category] if variants == "*" else variants.split(",")
        for variant in [v for v in listed if v] or [""]:
            if not variant:
                names.append((template.replace("{}", ""), ""))
            elif "{}" in template:
                names.append((template.format(variant), variant))
            else:
                names.append((f"{template}（{variant}）", variant))
        for name, variant in names:
            item_kind = kind
            if kind == "M":
                item_kind = "I" if variant in INSTANT_WORDS else "P"
            found.append(_Template(code, name, base, category, item_kind, partners, int(legal)))
    return found


def item_names(code: str) -> list[str]:
    """The names of a department's demo items, spelled as the catalog spells them."""
    return [t.name for t in _templates(code)]


def _listed_twice(t: _Template) -> list[_Template]:
    found = []
    if t.category == "行政许可" and t.kind == "P" and t.name.endswith(("（新办）", "许可")):
        found.append(
            _Template(t.department, t.name + PROMISE_SUFFIX, t.base, t.category, "I", (), t.legal)
        )
    if t.kind in ("I", "P") and not t.name.endswith(("注销）", "注销")):
        found.append(
            _Template(t.department, t.name + ONLINE_SUFFIX, t.base, t.category, t.kind, (), t.legal)
        )
    return found


def _allocate(total: int, capacities: list[int]) -> list[int]:
    """Split ``total`` over departments in proportion to what each can offer (largest
    remainder), never more than a department's capacity."""
    if total >= sum(capacities):
        return list(capacities)
    whole = sum(capacities)
    shares = [total * c / whole for c in capacities]
    counts = [int(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _kv(mapping: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(mapping.items())


class _CatalogPlanner:
    def __init__(self, plan: DemoPlan) -> None:
        self.demo = plan
        self.rng = random.Random(f"xiaoneng-demo:{plan.seed}:catalog")
        self.units = {u.code: u for u in plan.units}
        self.departments = [
            d.code for d in data.DEPARTMENTS if self.unit_code(d.code) in self.units
        ]
        office = next(u for u in plan.units if u.code == f"{data.CITY_CODE}-{data.OFFICE[0]}")
        self.supervision_phone = office.phone
        centre = next(u for u in plan.units if u.kind == "centre")
        self.centre_address = centre.address

    def unit_code(self, department: str) -> str:
        return f"{data.CITY_CODE}-{department}"

    def limits(self, legal: int, kind: str) -> tuple[int, int, int]:
        """Legal, committed and warning days: the promise well inside the law."""
        rng = self.rng
        if kind == "I":
            return legal, 0, 0
        legal = max(legal, 5)
        # Three steps need three days at least; a joint item's four blocks (accept, the units'
        # examination, decision, delivery) need five to leave the units a day or two.
        floor = 5 if kind == "J" else 3
        committed = max(floor, min(legal, round(legal * rng.uniform(0.4, 0.75))))
        if committed >= 10:
            warn = rng.choice((2, 3))
        elif committed >= 5:
            warn = rng.choice((1, 2))
        else:
            warn = 1
        return legal, committed, warn

    def spread(self, total: int, blocks: int) -> list[int]:
        """``blocks`` serial limits, each at least 1, adding up to ``total``."""
        limits = [1] * blocks
        for _ in range(total - blocks):
            limits[self.rng.randrange(1, blocks) if blocks > 1 else 0] += 1
        return limits

    def steps(self, t: _Template, committed: int, result: str) -> list[dict[str, Any]]:
        rng = self.rng
        own = None
        if t.kind == "I":
            names = [("accept", "受理"), ("review", "审核"), ("decide", "办结")]
            if rng.random() < 0.4:
                names.append(("deliver", "当场出件"))
            return [
                {
                    "order": i,
                    "code": c,
                    "name": n,
                    "limit_days": 0,
                    "unit": own,
                    "parallel_group": None,
                }
                for i, (c, n) in enumerate(names, start=1)
            ]
        if t.kind == "J":
            partners = self.partners(t)
            return self.joint_steps(committed, partners[: rng.randint(1, len(partners))])
        if t.kind == "R":
            names = [
                ("accept", "受理"),
                ("review", "初审"),
                ("report", "报上级机关审批"),
                ("deliver", "结果送达"),
            ]
        else:
            names = [("accept", "受理"), ("review", "审查")]
            if rng.random() < 0.4:
                names.append(("inspect", "现场核查"))
            names.append(
                (
                    "decide",
                    {"行政确认": "审核确认", "行政给付": "审核核定"}.get(t.category, "审批决定"),
                )
            )
            if "证" in result and rng.random() < 0.6:
                names.append(("certify", "制证"))
            if rng.random() < 0.5:
                names.append(("deliver", "送达"))
        names = names[: max(3, min(len(names), committed))]
        total = rng.randint(max(len(names), committed - 3), committed)
        limits = self.spread(total, len(names))
        return [
            {
                "order": i,
                "code": c,
                "name": n,
                "limit_days": limit,
                "unit": own,
                "parallel_group": None,
            }
            for i, ((c, n), limit) in enumerate(zip(names, limits, strict=True), start=1)
        ]

    def partners(self, t: _Template) -> list[str]:
        present = set(self.departments)
        return [p for p in t.partners if p in present and p != t.department]

    def joint_steps(self, committed: int, partners: list[str]) -> list[dict]:
        """联办件: accepted at the owning unit, examined by each unit (in parallel where
        practice allows), decided and delivered by the owner."""
        rng = self.rng
        middle = [(f"joint-{p.lower()}", f"{self.short(p)}审查", p) for p in partners]
        # In parallel (并联) the units examine at once: one block whatever their number.
        parallel = len(partners) > 1 and (rng.random() < 0.75 or len(middle) + 3 > committed)
        if parallel and len(partners) < 3:
            # The owning unit examines its own part alongside the others.
            middle.insert(0, ("review", "审查", None))
        blocks = 2 + (1 if parallel else len(middle)) + 1
        total = rng.randint(max(blocks, committed - 2), committed)
        limits = self.spread(total, blocks)
        rows = [("accept", "受理", None, limits[0], None)]
        if parallel:
            group_limit = limits[1]
            own_limits = [group_limit] + [
                rng.randint(max(1, group_limit - 2), group_limit) for _ in middle[1:]
            ]
            rng.shuffle(own_limits)
            for (code, name, unit), limit in zip(middle, own_limits, strict=True):
                rows.append((code, name, unit, limit, 1))
            rest = limits[2:]
        else:
            for (code, name, unit), limit in zip(middle, limits[1:], strict=False):
                rows.append((code, name, unit, limit, None))
            rest = limits[1 + len(middle) :]
        rows.append(("decide", "汇总审批", None, rest[0], None))
        rows.append(("deliver", "送达", None, rest[1], None))
        return [
            {
                "order": i,
                "code": c,
                "name": n,
                "limit_days": limit,
                "unit": self.unit_code(u) if u else None,
                "parallel_group": g,
            }
            for i, (c, n, u, limit, g) in enumerate(rows, start=1)
        ]

    def short(self, department: str) -> str:
        return self.units[self.unit_code(department)].short_name

    def materials(self, t: _Template) -> list[dict[str, Any]]:
        rng = self.rng
        body = any(word in t.name for word in BODY_WORDS)
        chosen = [(f"{t.base}申请表", "original", 1, True, "可在窗口领取或网上下载")]
        chosen += list(BODY_MATERIALS if body else PERSON_MATERIALS[:1])
        pool = list(DEPARTMENT_MATERIALS.get(t.department, GENERIC_MATERIALS))
        wanted = rng.randint(2, 3) if t.kind == "I" else rng.randint(2, 8)
        extra = rng.sample(pool, min(len(pool), max(0, wanted - len(chosen))))
        chosen += [(name, rng.choice(("original", "copy", "both")), 1, True, "") for name in extra]
        if len(chosen) < wanted:
            chosen += rng.sample(COMMON_MATERIALS, min(len(COMMON_MATERIALS), wanted - len(chosen)))
        chosen = chosen[: max(wanted, 1)]
        return [
            {"order": i, "name": n, "form": f, "copies": c, "mandatory": m, "note": note}
            for i, (n, f, c, m, note) in enumerate(chosen, start=1)
        ]

    def basis(self, t: _Template) -> list[str]:
        """The department's laws that share most words with the item (食品… → 食品安全法)."""
        if t.base == "政府信息公开申请":
            return ["《中华人民共和国政府信息公开条例》"]
        laws = LAWS.get(t.department, ())
        if not laws:
            return []

        def affinity(law: str) -> int:
            return sum(t.base[i : i + 2] in law for i in range(len(t.base) - 1))

        top = max(affinity(law) for law in laws)
        best = [law for law in laws if affinity(law) == top]
        # No law shares a word: the department's general law (listed first) applies.
        chosen = [self.rng.choice(best) if top else laws[0]]
        related = [law for law in laws if law not in chosen and affinity(law) > 0]
        if related and self.rng.random() < 0.5:
            chosen.append(self.rng.choice(related))
        return chosen

    def version(self, t: _Template, unit_code: str, day: date) -> dict[str, Any]:
        rng = self.rng
        legal, committed, warn = self.limits(t.legal, t.kind)
        basis = self.basis(t)
        if t.category == "行政许可" and "《中华人民共和国行政许可法》" not in basis:
            basis.insert(0, "《中华人民共和国行政许可法》")
        if not basis:
            basis = [SERVICE_BASIS]
        result = {
            "行政许可": f"准予{t.base}决定书及相关证件",
            "行政确认": f"{t.base}证明或证件",
            "行政给付": "待遇核定结果通知书",
            "行政备案": "备案回执",
            "行政裁决": "裁决书",
            "行政奖励": "奖励决定",
            "行政征收": "完税（缴费）凭证",
        }.get(t.category, "办理结果告知单")
        fees = []
        for keyword, name, standard, amount, fee_basis in FEES:
            # Most items are free; where the law allows a fee, most catalogs list it.
            if keyword in t.name and not t.name.endswith(("（注销）", "注销")):
                if rng.random() < 0.8:
                    fees = [
                        {"name": name, "standard": standard, "amount": amount, "basis": fee_basis}
                    ]
                break
        unit = self.units[unit_code]
        window = rng.random() < 0.6
        where = (
            f"{self.centre_address}{rng.choice('二三四')}楼{unit.short_name}窗口"
            if window
            else f"{unit.address}（{unit.short_name}办事大厅）"
        )
        body = any(word in t.name for word in BODY_WORDS)
        return {
            "legal_basis": "；".join(basis),
            "conditions": rng.choice(CONDITIONS_BODY if body else CONDITIONS_PERSON),
            "fee_free": not fees,
            "legal_limit_days": legal,
            "committed_limit_days": committed,
            "warn_days": warn,
            "result_document": result,
            "where_to_apply": where,
            "office_hours": rng.choice(HOURS),
            "contact_phone": unit.phone,
            "supervision_phone": self.supervision_phone,
            "online_available": t.name.endswith(ONLINE_SUFFIX) or rng.random() < 0.7,
            "note": "",
            "_fees": fees,
            "_materials": self.materials(t),
            "_steps": self.steps(t, committed, result),
        }

    def spec_of(self, values: dict[str, Any], day: date) -> VersionSpec:
        fields = {k: v for k, v in values.items() if not k.startswith("_")}
        return VersionSpec(
            effective_from=day,
            fields=_kv(fields),
            materials=tuple(_kv(m) for m in values["_materials"]),
            fees=tuple(_kv(f) for f in values["_fees"]),
            steps=tuple(_kv(s) for s in values["_steps"]),
        )

    def revised(self, values: dict[str, Any]) -> dict[str, Any]:
        """A later edition: usually a shorter promise (串联改并联、压缩时限) or one material less
        (减材料) — the two things efficiency reviews ask of a guide."""
        rng = self.rng
        new = {**values, "_materials": list(values["_materials"]), "_steps": list(values["_steps"])}
        serial = [s for s in new["_steps"] if s["limit_days"] > 1 and s["parallel_group"] is None]
        if new["committed_limit_days"] > 3 and serial and rng.random() < 0.7:
            cut = min(rng.randint(1, 3), new["committed_limit_days"] - 3)
            step = rng.choice(serial)
            cut = min(cut, step["limit_days"] - 1)
            new["_steps"] = [
                {**s, "limit_days": s["limit_days"] - cut} if s is step else s
                for s in new["_steps"]
            ]
            new["committed_limit_days"] -= cut
            new["warn_days"] = min(new["warn_days"], new["committed_limit_days"] - 1)
        elif len(new["_materials"]) > 2:
            drop = rng.randrange(1, len(new["_materials"]))
            kept = [m for i, m in enumerate(new["_materials"]) if i != drop]
            new["_materials"] = [{**m, "order": i} for i, m in enumerate(kept, start=1)]
        else:
            new["note"] = "可通过“一网通办”平台在线申报，办结后免费寄递。"
            new["online_available"] = True
        return new

    def plan(self) -> list[ItemSpec]:
        rng = self.rng
        departments = self.departments
        pools = {}
        for code in departments:
            # A joint item whose partner departments are not in this (small) city is handled
            # by its own department alone.
            pools[code] = [
                t
                if t.kind != "J" or self.partners(t)
                else _Template(t.department, t.name, t.base, t.category, "P", (), t.legal)
                for t in _templates(code)
            ]
        for code in departments:
            # Every department answers requests for its own information (依申请公开).
            if not any(t.base == "政府信息公开申请" for t in pools[code]):
                pools[code].append(
                    _Template(code, "政府信息公开申请", "政府信息公开申请", "公共服务", "P", (), 20)
                )
        wanted_total = CATALOG_ITEMS.get(self.demo.size.name, 28 * len(departments))
        extra: dict[str, list[_Template]] = {code: [] for code in departments}
        if sum(len(p) for p in pools.values()) < wanted_total:
            extra = {
                code: [v for t in pools[code] for v in _listed_twice(t)] for code in departments
            }
        counts = _allocate(wanted_total, [len(pools[c]) + len(extra[c]) for c in departments])
        today = self.demo.today
        items: list[ItemSpec] = []
        for code, count in zip(departments, counts, strict=True):
            # Every procedure first; second listings (告知承诺制, 全程网办) only fill the rest.
            first, second = pools[code], extra[code]
            pool = first + second
            if count <= len(first):
                picked = sorted(rng.sample(range(len(first)), count))
            else:
                rest = rng.sample(range(len(first), len(pool)), count - len(first))
                picked = list(range(len(first))) + sorted(rest)
            for number, index in enumerate(picked, start=1):
                t = pool[index]
                unit_code = self.unit_code(code)
                first_day = today - timedelta(days=rng.randint(120, 1500))
                values = self.version(t, unit_code, first_day)
                versions = [self.spec_of(values, first_day)]
                roll = rng.random()
                if roll < 0.15:
                    later = first_day + timedelta(
                        days=rng.randint(30, (today - first_day).days - 1)
                    )
                    values = self.revised(values)
                    versions.append(self.spec_of(values, later))
                if roll > 0.975:
                    values = self.revised(values)
                    versions.append(
                        self.spec_of(values, today + timedelta(days=rng.randint(7, 45)))
                    )
                keywords = " ".join(dict.fromkeys([self.short(code), t.base, t.category]))
                items.append(
                    ItemSpec(
                        code=f"{unit_code}-{number:03d}",
                        name=t.name,
                        unit=unit_code,
                        handling_type={
                            "I": "instant",
                            "P": "promised",
                            "J": "joint",
                            "R": "reported",
                        }[t.kind],
                        category=t.category,
                        keywords=keywords[:200],
                        # A few second listings have been withdrawn (停用).
                        is_active=rng.random() > 0.02
                        or not t.name.endswith((PROMISE_SUFFIX, ONLINE_SUFFIX)),
                        versions=tuple(versions),
                    )
                )
        return items


def plan_catalog(plan: DemoPlan) -> tuple[ItemSpec, ...]:
    """The demo catalog for a demo plan; pure and deterministic (its own random stream)."""
    return tuple(_CatalogPlanner(plan).plan())


# ---- writing (database) ----------------------------------------------------------------------


def write_catalog(plan: DemoPlan, actor) -> int:
    """Check every planned version with the catalog rules and write the catalog in bulk."""
    from xiaoneng.catalog import services
    from xiaoneng.org.models import Unit

    specs = plan_catalog(plan)
    units = {u.code: u for u in Unit.objects.all()}
    batch = []
    for spec in specs:
        unit = units[spec.unit]
        versions = []
        for v in spec.versions:
            steps = [
                {**dict(s), "unit": units[dict(s)["unit"]] if dict(s)["unit"] else None}
                for s in v.steps
            ]
            content, problems = services.prepare_content(
                spec.handling_type,
                unit,
                dict(v.fields),
                [dict(m) for m in v.materials],
                [dict(f) for f in v.fees],
                steps,
            )
            if problems:
                raise ValueError(f"演示事项 {spec.code} 不符合目录规则：{problems[0]}")
            versions.append((v.effective_from, content))
        fields = {
            "code": spec.code,
            "name": spec.name,
            "unit": unit,
            "handling_type": spec.handling_type,
            "category": spec.category,
            "keywords": spec.keywords,
        }
        batch.append(services.BulkItem(fields=fields, versions=versions, is_active=spec.is_active))
    return services.bulk_create_items(actor, batch, summary="演示数据：生成事项目录")


def delete_catalog() -> int:
    """Remove every catalog item (with its versions); for ``xiaoneng demo --reset``."""
    from xiaoneng.catalog.models import ServiceItem

    count = ServiceItem.objects.count()
    ServiceItem.objects.all().delete()
    return count
