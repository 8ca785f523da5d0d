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
