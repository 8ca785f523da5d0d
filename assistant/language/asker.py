"""Whether a question tells of a state organ's own conduct: 「我们区政府…」「区人社局的社保系统…」「我局…」.

A state organ that breaches a data or network duty is not fined like a company: 个人信息保护法 第六十八条, 数据安全法
第四十九条, 网络安全法 第七十四条 have its superior order it to correct and its responsible staff disciplined (处分).
Officials ask about their own bodies' duties more than about anyone's, and the fine articles, sharing more of their
words, would answer them wrongly. A question that also tells of a company or another non-state body is not read as
one: the office may be the regulator asking about them (「区里发现辖区一家公司…怎么罚？」). Regulators named as such
(网信办, 公安, 保密局, 密码管理局) tell who checks or is told, not whose conduct it is, and count for neither.
"""

from __future__ import annotations

import re

from assistant.language.negation import denied_statuses
from assistant.language.textnorm import normalize_text

# Line departments and governments, named or in the first person. 局里/我们局 tell the asker's own bureau.
_STATE_ORGAN = re.compile(
    r"国家机关|政府部门|党政机关|行政机关|机关单位|政务部门|委办局|(?:省|市|区|县|乡|镇|州|旗)(?:人民)?政府|"
    r"(?:我|本|我们)(?:局(?!面|限)|委(?!托|员)|办(?!法|理|事|公|证|的|好|完|成|了)|厅)|局里|委里|街道办?|"
    r"(?:人社|人力资源和社会保障|教育|卫健|卫生健康|大数据|数据|政务服务和数据管理|政数|财政|民政|交通运输|交通|"
    r"住建|住房和城乡建设|统计|档案|自然资源|生态环境|农业农村|文旅|文化和旅游|应急管理|医保|医疗保障|审计|司法|"
    r"商务|水利|林业|体育|信访|城管|国资|工信|科技|发改)(?:局|厅|委|办)|卫健委|发改委|教委"
)
# Bodies that are not state organs, whose conduct the question may be telling instead: 国企 and 事业单位 too.
_OTHER_BODY = re.compile(
    r"公司|企业|国企|商家|运营商|网吧|厂商|供应商|服务商|外包|承建|中介|个人(?!信息)|网友|医院|学校|高校|银行|"
    r"协会|事业单位|物业|门店"
)
_NOT_A_STATE_ORGAN = ("国家机关", "政府", "机关")  # 「我们不是国家机关」 denies it


def tells_a_state_organ(text: str) -> bool:
    """Return True when a question tells of a state organ's conduct and of no other body's."""
    text = normalize_text(text)
    if not _STATE_ORGAN.search(text) or _OTHER_BODY.search(text):
        return False
    return not any(status in _NOT_A_STATE_ORGAN for status in denied_statuses(text))
