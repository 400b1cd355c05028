from django.conf import settings


def test_q_cluster_retry_exceeds_timeout_and_attempts_are_finite():
    q = settings.Q_CLUSTER
    assert q["retry"] > q["timeout"]
    assert 0 < q["max_attempts"] < 100


def test_default_language_is_romanian_with_four_languages():
    assert settings.LANGUAGE_CODE == "ro"
    assert settings.LANGUAGE_CODES == ["ro", "ru", "en", "uk"]
