"""Answer-type check: a question asking for what statutes do not give (a fee, a vendor, a roster of units, a
configuration, a number of days) is declined unless a top article gives it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.answer_types import asked_units, unmet_answer_type
from assistant.answering.decline import decide
from assistant.answering.quantities import quantity_units_in
from assistant.language.vocabulary import answer_type_rules
from tests.test_composer import corpus_articles, retrieval_of

RULES = answer_type_rules()


@pytest.mark.parametrize(("kind", "asks", "says", "example"), RULES, ids=[r[0] for r in RULES])
def test_each_answer_type_matches_its_example(kind: str, asks, says, example: str) -> None:  # type: ignore[no-untyped-def]
    assert asks.search(example), f"{kind}: its pattern misses its own example {example!r}"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("网络安全等级保护测评的收费标准是多少？", "fee"),
        ("網絡安全保險的保費怎麼計算？", "fee"),
        ("本省有哪些等保测评机构做得好？能推荐几家吗？", "vendor"),
        ("涉密U盘现在市面上哪个品牌型号通过了检测？", "vendor"),
        ("我们市被认定为关键信息基础设施的单位名单能给一份吗？", "roster"),
        ("出口防火墙的3389端口要不要关？", "configuration"),
        ("e签宝、法大大这几家哪家更稳定？", "vendor"),
        ("信息化项目的运维费按建设费的多少比例测算？", "ratio"),
        ("发现勒索病毒以后该向哪家单位报告？", None),  # 哪家 asking which agency, not which vendor
        ("关基运营者没有开展密评，罚多少钱？", None),  # a fine: penalty articles state it
        ("网络运营者应当履行哪些安全保护义务？", None),
        # What a question tells is not what it asks: 不收费 describes the site, the roster is the subject matter.
        ("我们学校做了一个不收费的官网，主要发招生信息，要去哪里办备案？", None),
        ("镇里想在公告栏公示困难补助名单，里面有身份证号，这样直接公开行不行？", None),
        ("挂号收费系统中了勒索病毒，全停了。请问这种情况要向哪些部门报告？", None),
        ("这个网站不收费，要办许可吗？", None),
        ("测评收费，标准是多少？", "fee"),  # an asking clause may leave its subject to the clause before it
        ("这家云服务价格便宜一半，把备份放上去可以吗？", None),  # a yes/no clause: is the told fact allowed
        ("街道想要学生名单做走访，我们能直接给吗？", None),
        ("关于测评的收费标准，请问国家有没有统一规定？", "fee"),
        ("等保测评免费吗？", "fee"),
        ("网络安全岗位的同志经常半夜应急，单位能不能发专项岗位津贴？标准是多少？", "pay"),
        ("镇里想把困难补助名单公示，这样可以吗？", None),  # a subsidy told of, no pay asked
        ("网络安全法规定网吧营业时间到几点？", "clock"),
        ("政务服务大厅周末开放时间有规定吗", "clock"),
        ("个人信息保护法对员工加班有什么规定？", "leave"),
        ("有同事用自己的U盘把机密文件拷回家加班，被发现了。这个事情性质怎么认定？", None),  # 加班 told, not asked
    ],
)
def test_answer_types_statutes_do_not_give(question: str, kind: str | None, shared_corpus: Path) -> None:
    csl = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    retrieval = retrieval_of(question, [csl["第二十三条"], csl["第三十六条"]], evidence=0.95)
    assert unmet_answer_type(question, retrieval) == kind
    if kind:
        decision = decide(question, retrieval, threshold=0.43)
        assert decision.decline and kind in decision.reason


def test_a_fee_question_over_an_article_that_charges_is_answered(shared_corpus: Path) -> None:
    # 网络数据安全管理条例 第五十一条: supervision checks 不得收取费用.
    charging = corpus_articles(shared_corpus, "网络数据安全管理条例.md")["第五十一条"]
    question = "主管部门做数据安全检查收费吗？"
    retrieval = retrieval_of(question, [charging], evidence=0.95)
    assert unmet_answer_type(question, retrieval) is None
    assert not decide(question, retrieval, threshold=0.43).decline


def test_a_ratio_question_over_an_article_stating_a_percentage_is_answered(shared_corpus: Path) -> None:
    # 个人信息保护法 第六十六条: 上一年度营业额百分之五以下罚款.
    fine = corpus_articles(shared_corpus, "个人信息保护法.md")["第六十六条"]
    question = "情节严重的，罚款最高是营业额的百分之几？"
    assert unmet_answer_type(question, retrieval_of(question, [fine], evidence=0.95)) is None


def test_a_by_what_hour_question_is_answered_by_a_time_limit(shared_corpus: Path) -> None:
    # 「最晚几点前要报」 asks a deadline: 事件报告办法 第四条 (最迟不得超过1小时) gives it.
    limit = corpus_articles(shared_corpus, "国家网络安全事件报告管理办法.md")["第四条"]
    question = "关基被勒索病毒加密了，最晚几点前要报，报给谁？"
    assert unmet_answer_type(question, retrieval_of(question, [limit], evidence=0.95)) is None


def test_a_vendor_question_is_not_answered_by_a_ban_on_naming_brands(shared_corpus: Path) -> None:
    # 关基条例 第四十五条 forbids requiring 指定品牌 and 收取费用: it names neither a vendor nor a price.
    ban = corpus_articles(shared_corpus, "关键信息基础设施安全保护条例.md")["第四十五条"]
    retrieval = retrieval_of("涉密U盘哪个品牌型号通过了检测？", [ban], evidence=0.95)
    assert unmet_answer_type("涉密U盘哪个品牌型号通过了检测？", retrieval) == "vendor"


def test_asked_units() -> None:
    assert asked_units("多少天内要报送？审查要几个工作日？") == ["日", "工作日"]
    assert asked_units("存了好几年的日志，十几天前发现的") == []
    assert asked_units("几天前发现的漏洞，这几年来一直没修，几年级的学生信息也在里面") == []
    assert asked_units("合规审计多久做一次？") == []
    assert asked_units("密码长度最少几位？要哪几位领导签字？") == ["位"]  # 哪几位 asks who, not how many
    assert asked_units("一个身份证最多能办几张手机卡？密评得多少分算通过？每年修满多少学时？") == ["张", "分", "学时"]
    assert asked_units("几分钟内要响应？占几分之几？") == []
    assert asked_units("首页被篡改了，挂了几张乱七八糟的图片，拖了几天才发现。第一步该干什么？") == []


def test_a_count_no_statute_states_is_unmet_beside_the_closest_article(shared_corpus: Path) -> None:
    cards = corpus_articles(shared_corpus, "反电信网络诈骗法.md")["第十条"]  # 电话卡 limited in number, none given
    question = "群众问：一个身份证在同一家运营商最多能办几张手机卡？"
    assert unmet_answer_type(question, retrieval_of(question, [cards])) == "number of 张"


def test_a_number_question_needs_an_article_stating_that_unit(shared_corpus: Path) -> None:
    csl = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    logs = csl["第二十三条"]  # 网络日志不少于六个月: months, no days
    question = "登录密码按规定必须多少天强制改一次？"
    assert unmet_answer_type(question, retrieval_of(question, [logs])) == "number of 日"
    assert unmet_answer_type("网络日志要留存几个月？", retrieval_of("网络日志要留存几个月？", [logs])) is None
    # No statute sets a password's length: an article stating days does not answer 「最少几位」.
    incident = corpus_articles(shared_corpus, "国家网络安全事件报告管理办法.md")["第八条"]  # 30日内 总结报告
    question = "OA系统登录密码多少天强制改一次？长度最少几位？"
    assert unmet_answer_type(question, retrieval_of(question, [incident])) == "number of 位"


def test_a_date_is_not_a_length_of_time(shared_corpus: Path) -> None:
    assert quantity_units_in("自上年1月1日起累计向境外提供个人信息不满10万人的") == {"人"}
    assert quantity_units_in("本法自2021年9月1日起施行，二〇二一年十一月一日公布") == set()
    assert quantity_units_in("自十二月一日起，日志留存不少于六个月") == {"月"}
    # 标准合同办法 第四条 counts people from 上年1月1日: it states no number of months.
    contract = corpus_articles(shared_corpus, "个人信息出境标准合同办法.md")["第四条"]
    question = "信息中心的劳务派遣人员合同到期不续签，经济补偿按几个月工资算？"
    assert unmet_answer_type(question, retrieval_of(question, [contract])) == "number of 月"


def test_every_answer_type_tells_the_reader_why() -> None:
    from assistant.answering.answer_types import unmet_reason

    for kind, *_ in RULES:
        assert unmet_reason(kind).startswith("法律法规"), kind
    assert "“日”" in unmet_reason("number of 日")
    assert unmet_reason("") == ""


def test_a_declined_vendor_question_says_why_and_lists_what_is_near(shared_corpus: Path) -> None:
    from assistant.answering.answer_types import unmet_reason
    from assistant.answering.composer import decline_answer

    ban = corpus_articles(shared_corpus, "关键信息基础设施安全保护条例.md")["第四十五条"]
    question = "涉密U盘哪个品牌型号通过了检测？"
    retrieval = retrieval_of(question, [ban], evidence=0.95)
    decision = decide(question, retrieval, threshold=0.43)
    composed = decline_answer(question, retrieval, decision.missing_regulations, unmet_reason(decision.unmet_answer))
    assert composed.declined and not composed.citations
    assert "法律法规不推荐、也不指定具体的厂商、品牌或产品。" in composed.text
    assert "关键信息基础设施安全保护条例》第四十五条" in composed.text  # the nearest article, named as such
