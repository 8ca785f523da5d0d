"""The words by which a question points at an amended law's older text or at the text in force.

One vocabulary for every reader of version cues (the direct lookup, follow-up questions, version links), so that
旧法第六十四条 means the same text wherever it is read. Two reaches differ on purpose:

- anywhere in a question, only words that can mean nothing but a text: 旧法, 原文, 修正前, 现行, 新法;
- just before an article number, also the short words that there can only date the number: 「原来的第二十一条」,
  「以前第六十四条」, 「老的第五十九条」, 「现在第几条」 (elsewhere 原来、以前、现在 speak of systems and times).
"""

from __future__ import annotations

import re

# 旧网安法: the lookahead leaves the title whole (新网络设备 is no text).
OLD_TEXT_WORDS = (
    r"旧版|老版|原版|旧法|原法|老法|[旧原](?=网安|网络安全法)|老规定|老文件|修[正改订]前|之前的版本|上一版|原文"
)
# 新版本 is more often an app's (「App更新了新版本」) than a law's.
_CURRENT_TEXT = r"现行|新法|新版(?!本)|新(?=网安|网络安全法)|修[正改订]后"

# The words that ask for the older text itself (「修正前的原文」「旧版第二十一条」), to which a search is then kept.
# 旧法 in a told situation (「网站挂了赌博广告没删，按旧法罚多少」) is not among them: searched in the text in force
# and followed to its counterpart, such a question finds its article more often (version_probe2 0.985 against
# 0.969 when 旧法 kept the search to the older text).
OLD_TEXT_ITSELF = re.compile(r"旧版|老版|原版|修[正改订]前|之前的版本|上一版|原文")
CURRENT_TEXT = re.compile(_CURRENT_TEXT)
OLD_TEXT_NEAR_NUMBER = re.compile(rf"(?:19|20)\d{{2}}年版|{OLD_TEXT_WORDS}|以前|之前|旧|原|老")
CURRENT_TEXT_NEAR_NUMBER = re.compile(rf"{_CURRENT_TEXT}|现在")
NUMBER_CUE_WINDOW = 14  # characters before 第N条 that say which text the number belongs to

# A question about an amendment as a whole (「新网安法新增了哪些内容？」「网安法2025年修改了几条？」「修法后有哪些
# 变化」): what it asks is the change itself, with nothing before it but the law's name and words dating the texts.
_CHANGED = r"(?:新增|增加|增设|删除|删去|删掉|去掉|修改|修正|修订|改动|变动|调整|改)"
_HOW_MANY = r"(?:哪些|什么|几条|多少条?|哪几条)(?:条文|条款|内容|地方|规定|条|方面)?"
AMENDMENT_OVERVIEW = re.compile(
    rf"^(?P<head>.{{0,40}}?)(?:都|主要|一共|总共|具体|到底)?"
    rf"(?:{_CHANGED}了?{_HOW_MANY}|(?:有|是)?(?:哪些|什么)(?:主要|重要|大的)?(?:变化|修改|改动|调整|新内容|新规定)"
    rf"|(?:主要)?(?:变化|修改|改动|调整)(?:有|是)(?:哪些|什么))(?:呢|吗|啊)?[？?。！!]*$"
)
# What may stand before the change asked about: the texts' dates and words naming them.
AMENDMENT_HEAD_FILLER = re.compile(
    r"请问|新法|旧法|原法|老法|新版?|旧版?|现行|的|(?:19|20)\d{2}年?版?|这次|本次|此次|去年|今年|年|修[正订改]|修法|以后|之后|后|前|"
    r"在|中|里|和|与|跟|比|相比|对比|较|了|，|,|\s"
)
