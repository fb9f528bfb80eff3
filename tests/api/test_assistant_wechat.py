"""The WeChat channel end to end: a signed message in, the assistant's reply out in WeChat's format."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from guanxi.app import create_app
from guanxi.assistant.dialogue import Dialogue
from guanxi.assistant.dialogue_intents import train_dialogue_model
from guanxi.assistant.faq import load_faq
from guanxi.assistant.wechat import parse_message
from guanxi.clock import now
from guanxi.config import Settings

TOKEN = "bank-wechat-token"


def signed(timestamp: str = "1764900000", nonce: str = "n0nce", token: str = TOKEN) -> str:
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return f"?signature={signature}&timestamp={timestamp}&nonce={nonce}"


def text_message(content: str, sender: str = "oOPENID123") -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_bank]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>1764900000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>1</MsgId></xml>"
    ).encode()


@pytest.fixture
def wechat(bind, lake_root, tmp_path):
    settings = Settings(var_dir=tmp_path / "var", environment="test", wechat_token=TOKEN)
    app = create_app(settings, bind=bind, lake_root=lake_root)
    app.state.assistant_dialogue = Dialogue(train_dialogue_model(), load_faq(), today=lambda: now().date())
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_a_wechat_balance_question_gets_a_signed_reply_asking_to_sign_in(wechat):
    # when a WeChat follower asks for their balance in Simplified Chinese
    response = wechat.post("/api/v1/assistant/wechat" + signed(), content=text_message("我的余额是多少"))
    # then the reply is a WeChat text message back to them, refusing until they are known
    assert response.status_code == 200, response.text
    reply = parse_message(response.content)
    assert (reply.to_user, reply.from_user, reply.msg_type) == ("oOPENID123", "gh_bank", "text")
    assert reply.content == "为保障您的资料安全，请先登录（客户号码及密码）。"


def test_the_same_follower_keeps_one_conversation(wechat):
    # given a follower who was asked to rephrase once
    first = wechat.post("/api/v1/assistant/wechat" + signed(), content=text_message("今天天气怎么样"))
    assert parse_message(first.content).content.startswith("抱歉，我没能理解")
    # when they send another message the assistant cannot place
    second = wechat.post("/api/v1/assistant/wechat" + signed(), content=text_message("讲个笑话吧"))
    # then the second miss counts in the same conversation: a person is offered (after sign-in)
    assert parse_message(second.content).content == "如需转接人工并附上对话记录，请先登录，或致电客户服务热线。"


def test_a_bad_signature_is_refused(wechat):
    response = wechat.post("/api/v1/assistant/wechat" + signed(token="forged"), content=text_message("hi"))
    assert (response.status_code, response.json()["code"]) == (403, "bad_signature")


def test_a_malformed_message_names_the_missing_field(wechat):
    body = b"<xml><ToUserName>gh_bank</ToUserName><CreateTime>1</CreateTime>"
    body += b"<MsgType>text</MsgType><Content>hi</Content></xml>"
    response = wechat.post("/api/v1/assistant/wechat" + signed(), content=body)
    assert response.status_code == 422
    assert response.json()["code"] == "wechat_missing_field"
    assert response.json()["details"]["field"] == "FromUserName"


def test_the_channel_is_off_until_the_bank_sets_its_token(client):
    response = client.post("/api/v1/assistant/wechat" + signed(), content=text_message("hi"))
    assert (response.status_code, response.json()["code"]) == (404, "wechat_not_configured")
