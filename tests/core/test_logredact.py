import logging

from giftoffice.logredact import install_bot_token_redaction


def test_installed_filter_rewrites_the_bot_token_in_any_rendered_log_line(caplog):
    install_bot_token_redaction("tests.logredact")
    install_bot_token_redaction("tests.logredact")  # idempotent: one filter, not two
    logger = logging.getLogger("tests.logredact")

    with caplog.at_level(logging.INFO, logger="tests.logredact"):
        logger.info('"POST %s HTTP/1.1" 200', "/sandbox/telegram/bot123:SECRET/sendCustomRequest")

    assert caplog.messages == ['"POST /sandbox/telegram/bot***/sendCustomRequest HTTP/1.1" 200']
    assert len(logger.filters) == 1
