"""The routing suggester: learns a toy set, survives a save/load, flags near-copies."""

from __future__ import annotations

import pickle

import pytest

from xiaoneng.routing import RoutingModel, duplicates, store, tokenize

TOY = [
    ("社保卡补办了一个月还没拿到", "RSJ"),
    ("失业保险金申领一直不给办理", "RSJ"),
    ("养老保险转移接续拖了很久", "RSJ"),
    ("劳动仲裁立案窗口推诿", "RSJ"),
    ("营业执照变更登记要求重复提交材料", "SCJ"),
    ("食品经营许可证延续办理超时", "SCJ"),
    ("企业设立登记窗口人员态度差", "SCJ"),
    ("个体工商户注销登记跑了三趟", "SCJ"),
    ("户口迁移办理要求开具无关证明", "GAJ"),
    ("身份证补领等了两个月", "GAJ"),
    ("出入境护照办理预约不上", "GAJ"),
    ("驾驶证换证窗口排队太久", "GAJ"),
]
HELD_OUT = [
    ("社保卡挂失以后补办很慢", "RSJ"),
    ("食品经营许可证新办拖延", "SCJ"),
    ("护照办理窗口态度生硬", "GAJ"),
    ("失业登记不给办", "RSJ"),
    ("户口迁入手续繁琐", "GAJ"),
    ("营业执照注销登记跑了好几趟", "SCJ"),
]


@pytest.fixture(scope="module")
def model() -> RoutingModel:
    return RoutingModel.train(TOY)


def test_segmentation_works_offline():
    # jieba's dictionary is in the package: no network, and the usual cut of a common phrase.
    words = tokenize("我要投诉市场监督管理局的营业执照办理")
    assert "营业执照" in words and "投诉" in words
    assert all(w.strip() for w in words) and "的" not in words


@pytest.mark.parametrize(("text", "unit"), HELD_OUT)
def test_top1_on_held_out_toy_examples(model, text, unit):
    best, score = model.suggest(text)[0]
    assert best == unit and 0 < score <= 1


def test_suggest_returns_k_ranked(model):
    ranked = model.suggest("身份证补领", k=3)
    assert ranked[0][0] == "GAJ" and len(ranked) == 3
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert model.suggest("   ") == []


def test_two_units_and_refusing_one(model):
    two = RoutingModel.train([("社保卡补办", 1), ("营业执照办理", 2), ("养老保险", 1)])
    assert two.suggest("社保卡", k=5)[0][0] == 1 and len(two.suggest("社保卡", k=5)) == 2
    with pytest.raises(ValueError):
        RoutingModel.train([("社保卡补办", 1), ("养老保险", 1)])


def test_save_load_round_trip(model, tmp_path):
    path = model.save(tmp_path / "routing" / "model.pkl")
    loaded = RoutingModel.load(path)
    for text, _ in HELD_OUT:
        assert loaded.suggest(text) == model.suggest(text)
    (tmp_path / "bad.pkl").write_bytes(pickle.dumps({"format": 999}))
    with pytest.raises(ValueError):
        RoutingModel.load(tmp_path / "bad.pkl")


def test_store_round_trip(settings, tmp_path):
    settings.XIAONENG_ROUTING_MODEL = str(tmp_path / "m.pkl")
    assert store.current() is None
    store.retrain(TOY)
    assert store.current().suggest("护照办理")[0][0] == "GAJ"


def test_duplicates_flags_a_near_copy_only():
    earlier = [
        (1, "市场监管局登记注册窗口要求我重复提交营业执照变更材料，跑了三趟还没办好"),
        (2, "社保卡补办了一个月还没拿到，打电话也没人接"),
        (3, "小区门口道路破损很久无人维修"),
    ]
    text = "市场监管局登记窗口要求我重复提交营业执照变更的材料，已经跑了三趟还没办好！"
    found = duplicates(text, earlier, threshold=0.5)
    assert [i for i, _ in found] == [1] and found[0][1] > 0.5
    assert duplicates("护照办理预约不上", earlier, threshold=0.5) == []
    assert duplicates("", earlier) == [] and duplicates(text, []) == []


def test_duplicates_segment_each_earlier_text_once(monkeypatch):
    """The routing page compares a new complaint with up to 2,000 earlier ones on every visit;
    segmenting them all each time made the page slow. Each text is segmented once."""
    from xiaoneng.routing import suggest

    suggest._cached_tokens.cache_clear()
    calls = []
    real = suggest.tokenize
    monkeypatch.setattr(suggest, "tokenize", lambda text: calls.append(text) or real(text))
    earlier = [(i, text) for i, (text, _) in enumerate(TOY)]
    first = duplicates("社保卡补办了一个月还没拿到！", earlier, threshold=0.5)
    assert len(calls) == len(TOY) + 1
    again = duplicates("社保卡补办了一个月还没拿到！", earlier, threshold=0.5)
    assert len(calls) == len(TOY) + 1 and again == first == [(0, first[0][1])]


def test_duplicates_score_like_the_model_features():
    """The cached segmentation feeds the same features (jieba words and character bigrams)
    into TF-IDF as the suggester's own vectoriser: the similarities are unchanged."""
    from sklearn.metrics.pairwise import cosine_similarity

    from xiaoneng.routing.suggest import _vectorizer

    texts = [text for text, _ in TOY + HELD_OUT]
    query = "社保卡补办以后一个月还没拿到"
    matrix = _vectorizer().fit_transform([query, *texts])
    expected = cosine_similarity(matrix[0], matrix[1:])[0]
    found = dict(duplicates(query, list(enumerate(texts)), threshold=0.0))
    assert found == {i: round(float(s), 4) for i, s in enumerate(expected) if s >= 0.0}
