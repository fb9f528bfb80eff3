"""Scripted conversations with the assistant over its HTTP API, in English and Chinese: a balance
enquiry, a lost card (slot filling and confirmation), booking an appointment, an out-of-scope
question, a handover that opens a case with the transcript, and the refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from guanxi.accounts.models import Card
from guanxi.appointments.models import Appointment
from guanxi.assistant.dialogue import Dialogue
from guanxi.assistant.dialogue_intents import train_dialogue_model
from guanxi.assistant.faq import load_faq
from guanxi.audit.models import AuditEvent
from guanxi.cases.models import Case, CaseEvent
from guanxi.clock import frozen_at, now
from guanxi.interactions.models import Interaction
from guanxi.security.customers import enrol_customer
from guanxi.security.permissions import Role
from guanxi.security.service import SYSTEM
from guanxi.team.models import Branch

PASSCODE = "river-4821"
T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # Tuesday 1 December 2026, 10:00 in Shanghai
NEXT_MONDAY = dt.date(2026, 12, 7)  # the test bank's calendar opens on Mondays, 09:00-17:00 in Shanghai


@pytest.fixture(scope="module")
def dialogue() -> Dialogue:
    return Dialogue(train_dialogue_model(), load_faq(), today=lambda: now().date())


@pytest.fixture
def chat(client, world, session, dialogue):
    """A customer ("own") with a passcode and two cards, and a helper that talks to the assistant."""
    client.app.state.assistant_dialogue = dialogue
    party_id = world.ids["own_party"]
    with session.begin():
        enrol_customer(session=session, actor=SYSTEM, party_id=party_id, passcode=PASSCODE)
        for n, (kind, tier) in enumerate((("debit", "classic"), ("credit", "gold"))):
            session.add(
                Card(
                    source_system="test",
                    source_key=f"CARD-{n}",
                    account_id=world.ids["own_account"],
                    party_id=party_id,
                    card_type=kind,
                    tier=tier,
                    status="active",
                    issued_on=dt.date(2024, 1, 1),
                )
            )
    return Chat(client)


class Chat:
    """One conversation over the API."""

    def __init__(self, client) -> None:
        self.client = client
        self.token = ""

    def start(self, language: str = "en") -> dict:
        response = self.client.post("/api/v1/assistant/conversations", json={"language": language})
        assert response.status_code == 201, response.text
        self.token = response.json()["token"]
        return response.json()

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Conversation-Token": self.token}

    def say(self, text: str) -> dict:
        response = self.client.post(
            "/api/v1/assistant/conversations/messages", json={"text": text}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    def replies(self, text: str) -> list[str]:
        return [m["text"] for m in self.say(text)["messages"] if m["sender"] != "customer"]

    def sign_in(self, party_id: int, passcode: str = PASSCODE):
        return self.client.post(
            "/api/v1/assistant/conversations/sign-in",
            json={"party_id": party_id, "passcode": passcode},
            headers=self.headers,
        )


def cards_of(session, party_id: int) -> dict[str, str]:
    return {c.card_type: c.status for c in session.scalars(select(Card).where(Card.party_id == party_id))}


def test_an_unauthenticated_balance_enquiry_is_refused_then_answered_after_sign_in(chat, world, session):
    # given a new conversation
    started = chat.start()
    assert started["messages"][0]["text"].startswith("Hello!")
    # when the customer asks for their balance before signing in
    asked = chat.say("What's my account balance?")
    # then nothing about their money is said: they are asked to sign in
    reply = asked["messages"][1]
    assert (reply["text"], reply["data"]) == (
        "For that I need to know it's you. Please sign in first (customer number and passcode).",
        {"needs": "authentication"},
    )
    assert asked["messages"][0]["intent"] == "check_balance"
    # when they sign in
    signed = chat.sign_in(world.ids["own_party"])
    # then the held-back question is answered
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["signed_in"] is True
    assert [m["text"] for m in body["messages"] if m["sender"] == "assistant"] == [
        "Your balances:\nEveryday current account (" + _ending(session, world) + "): CNY 1,234.56"
    ]
    # and the conversation is on the customer's history
    contact = session.scalars(select(Interaction).where(Interaction.party_id == world.ids["own_party"])).all()
    assert [(i.channel, i.handled_by) for i in contact] == [("assistant", "assistant")]


def test_a_balance_for_the_account_the_customer_names(chat, world, session):
    from factories import make_account, make_product
    from guanxi.parties.models import Party

    # given a signed-in customer with a current account and a savings account ending in 7788
    with session.begin():
        savings = make_product(session, name="Smart savings", name_zh="智能儲蓄", family="savings")
        own = session.get(Party, world.ids["own_party"])
        make_account(session, own, savings, account_number="622200007788", balance=Decimal("50000.00"))
    chat.start()
    chat.sign_in(world.ids["own_party"])
    # when they ask for their savings balance, and for the account ending 7788 in Chinese
    # then only that account is told
    assert chat.replies("what's the balance of my savings account?") == [
        "Your balances:\nSmart savings (7788): CNY 50,000.00"
    ]
    assert chat.replies("尾號7788嘅戶口有幾多錢") == ["您的結餘：\n智能儲蓄（7788）：CNY 50,000.00"]
    # when they name an account they do not have, they are told so, then shown every account
    assert chat.replies("how much is on my credit card account?") == [
        "I couldn't find an open account like that, so here are all of them.\n"
        f"Everyday current account ({_ending(session, world)}): CNY 1,234.56\n"
        "Smart savings (7788): CNY 50,000.00"
    ]


def _ending(session, world) -> str:
    from guanxi.accounts.models import Account

    return session.get(Account, world.ids["own_account"]).account_number[-4:]


def test_a_wrong_passcode_signs_nobody_in(chat, world):
    # given a conversation
    chat.start()
    # when the passcode is wrong
    response = chat.sign_in(world.ids["own_party"], passcode="wrong-0000")
    # then it is refused and the conversation stays anonymous
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")
    state = chat.client.get("/api/v1/assistant/conversations/messages", headers=chat.headers).json()
    assert state["signed_in"] is False


def test_a_lost_card_is_found_by_asking_which_and_stopped_only_after_yes(chat, world, session):
    # given a signed-in customer with a debit and a credit card
    party_id = world.ids["own_party"]
    chat.start()
    assert chat.sign_in(party_id).status_code == 200
    ending = _ending(session, world)
    # when they report a lost card without saying which
    assert chat.replies("I lost my card") == [
        f"Which card? 1) gold credit card (account ending {ending}); 2) classic debit card (account ending {ending})"
    ]
    # and pick the second
    assert chat.replies("the second one") == [
        f"Report your classic debit card (account ending {ending}) lost and stop it for good? "
        "A replacement will be sent. (yes / no)"
    ]
    # then nothing has changed before they confirm
    assert cards_of(session, party_id) == {"debit": "active", "credit": "active"}
    # when they say yes
    done = chat.say("yes")
    # then the debit card is stopped and a replacement request opened, both audited
    case_id = done["messages"][1]["data"]["case_id"]
    assert done["messages"][1]["text"] == (
        f"Your classic debit card (account ending {ending}) is stopped. Request {case_id} will send you a replacement."
    )
    assert cards_of(session, party_id) == {"debit": "blocked", "credit": "active"}
    case = session.get(Case, case_id)
    assert (case.case_type, case.sub_category, case.priority, case.channel) == (
        "service_request",
        "card_lost",
        "high",
        "assistant",
    )
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == f"customer:{party_id}")).all()
    assert "card.report_lost" in actions and "case.open" in actions


def test_saying_no_changes_nothing(chat, world, session):
    # given a signed-in customer asked to confirm locking their credit card
    chat.start()
    chat.sign_in(world.ids["own_party"])
    assert chat.replies("please lock my credit card")[0].startswith("Lock your gold credit card")
    # when they answer something that is neither yes nor no, then no
    assert chat.replies("hmm") == ["Please answer yes or no."]
    assert chat.replies("no") == ["All right, I haven't changed anything."]
    # then the card is still active
    assert cards_of(session, world.ids["own_party"])["credit"] == "active"


def test_an_appointment_is_booked_by_filling_the_day_and_the_time(chat, world, session):
    with frozen_at(T0):
        # given a signed-in customer whose RM works Mondays
        chat.start()
        chat.sign_in(world.ids["own_party"])
        # when they ask for an appointment next Monday
        asked = chat.replies("I'd like to book an appointment next Monday")
        # then they are offered the free times that day
        assert asked == [
            "On 2026-12-07 these times are free: 09:00, 09:30, 10:00, 10:30, 11:00, 11:30, 12:00, 12:30. Which one?"
        ]
        # when they pick one
        assert chat.replies("10:30am please") == [
            "Book an appointment with your relationship manager on 2026-12-07 at 10:30? (yes / no)"
        ]
        done = chat.say("yes")
    # then it is booked at 10:30 Shanghai time (02:30 UTC) with their RM, through the assistant
    appointment = session.get(Appointment, done["messages"][1]["data"]["appointment_id"])
    assert (appointment.starts_at, appointment.staff_id, appointment.booked_via, appointment.status) == (
        dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC),
        world.ids["own_rm"],
        "assistant",
        "booked",
    )


def test_an_appointment_at_a_branch_the_customer_names(chat, world, session):
    with frozen_at(T0):
        chat.start()
        chat.sign_in(world.ids["own_party"])
        # when the customer names a branch, a day and a time
        assert chat.replies("Can I book an appointment at the Harbour branch next Monday at 2pm?") == [
            "Book an appointment at Harbour on 2026-12-07 at 14:00? (yes / no)"
        ]
        done = chat.say("yes please")
    # then it is booked at that branch, not with their RM
    appointment = session.get(Appointment, done["messages"][1]["data"]["appointment_id"])
    assert (appointment.branch_id, appointment.staff_id, appointment.starts_at) == (
        session.scalar(select(Branch.id).where(Branch.name == "Harbour")),
        None,
        dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC),
    )


def test_an_hour_said_without_am_or_pm_is_read_in_opening_hours(chat, world, session):
    with frozen_at(T0):
        chat.start()
        chat.sign_in(world.ids["own_party"])
        # when the customer says "half past 2" for a branch that is open in the afternoon
        assert chat.replies("Could I see someone at the Harbour branch next Monday at half past 2?") == [
            "Book an appointment at Harbour on 2026-12-07 at 14:30? (yes / no)"
        ]
        done = chat.say("yes")
    # then 14:30 is booked (06:30 UTC), not 02:30 at night
    appointment = session.get(Appointment, done["messages"][1]["data"]["appointment_id"])
    assert appointment.starts_at == dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.UTC)


def test_a_new_email_is_proven_by_a_code_sent_to_it(chat, world, session):
    from guanxi.outbox.models import OutboxMessage
    from guanxi.parties.models import ContactPoint

    party_id = world.ids["own_party"]
    chat.start()
    chat.sign_in(party_id)
    # when the customer asks to change their email and confirms
    assert chat.replies("please change my email to new.wang@example.com") == [
        "Change your email address to new.wang@example.com? We'll send a code to it to check it's yours. (yes / no)"
    ]
    sent = chat.say("yes")
    # then a code goes to the new address (and nowhere else), and the assistant asks for it
    point_id = sent["messages"][1]["data"]["contact_point_id"]
    [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.source == "contact_verification"))
    code = message.body.split(" is ")[1][:6]
    assert (message.channel, message.source_id) == ("email", str(point_id))
    assert sent["messages"][1]["text"].startswith("We've sent a 6-digit code to ")
    # when they type a wrong code first
    wrong = "000000" if code != "000000" else "111111"
    assert chat.replies(f"it is {wrong}") == ["That code is not right. Tries left: 2."]
    # and then the right one
    assert chat.replies(code) == ["Done: your email address is updated and verified."]
    # then the new address is their primary, verified one (any older one stays on file, not primary)
    points = {
        p.id: (p.kind, p.is_primary, p.verified, p.label)
        for p in session.scalars(
            select(ContactPoint).where(ContactPoint.party_id == party_id, ContactPoint.kind == "email")
        )
    }
    assert points == {point_id: ("email", True, True, None)}


def test_a_wrong_code_three_times_changes_nothing(chat, world, session):
    from guanxi.parties.models import ContactPoint

    party_id = world.ids["own_party"]
    chat.start()
    chat.sign_in(party_id)
    chat.say("I'd like to update my mobile number to +86 139 1234 5678")
    chat.say("yes")
    # when three wrong codes are typed
    replies = [chat.replies(code)[0] for code in ("123456", "234567", "345678")]
    # then the change is dropped: the pending number is gone
    assert replies[-1] == "That code was wrong too often, so nothing was changed. You can start again."
    phones = session.scalars(
        select(ContactPoint.value_masked).where(ContactPoint.party_id == party_id, ContactPoint.kind == "phone")
    ).all()
    assert len(phones) == 1  # only the number on file


def test_an_out_of_scope_question_is_never_guessed_and_a_second_miss_hands_over(chat, world, session):
    # given a signed-in customer
    chat.start()
    chat.sign_in(world.ids["own_party"])
    # when they ask something a bank's assistant does not do
    first = chat.say("what's the weather like tomorrow?")
    # then the assistant asks them to rephrase and acts on nothing
    assert [m["text"] for m in first["messages"][1:]] == [
        "Sorry, I'm not sure I understood. Could you put it another way, or shall I pass you to a colleague?"
    ]
    assert first["messages"][1]["data"] == {"not_understood": True}
    # when the next message is not understood either
    second = chat.say("tell me a joke about football")
    # then a person takes over
    assert second["status"] == "handed_over"
    assert second["case_id"] is not None


def test_a_question_about_how_something_works_is_answered_not_acted_on(chat, world, session):
    # given a signed-in customer
    chat.start()
    chat.sign_in(world.ids["own_party"])
    # when they ask how to activate a card and why a card was declined
    activate = chat.say("how do I activate my new card")["messages"][1]
    declined = chat.say("why was my card declined")["messages"][1]
    # then both are answered from the FAQ, and no card task is started (nothing asks which card or for a yes)
    assert (activate["data"]["faq"]["key"], declined["data"]["faq"]["key"]) == ("card_activation", "card_declined")
    assert activate["text"].startswith("Activate a new card in the card section of the app")
    assert cards_of(session, world.ids["own_party"])["credit"] == "active"
    # and when they ask how to do something the assistant does, it starts doing it
    assert chat.replies("how do I change my phone number") == ["What is the new email address or mobile number?"]


def test_staff_see_which_faq_question_an_answer_came_from(chat, world, session):
    # given a signed-in customer who asked something the bank's FAQ answers
    chat.start()
    chat.sign_in(world.ids["own_party"])
    answered = chat.say("what time do your branches open on saturday")
    faq = answered["messages"][1]["data"]["faq"]
    # when they then ask for a person
    handed = chat.say("I want to talk to a real person")
    # then the case's transcript shows the FAQ entry and the question it matched after the answer
    case = session.get(Case, handed["case_id"])
    answer_line = next(line for line in case.description.splitlines() if "Assistant: Opening hours" in line)
    assert faq["key"] == "opening_hours"
    assert answer_line.endswith(f' [FAQ opening_hours: matched "{faq["question"]}", score {faq["score"]:.2f}]')


def test_a_handover_opens_a_case_with_the_transcript_and_the_agent_replies_in_the_thread(chat, world, session):
    party_id = world.ids["own_party"]
    # given a signed-in customer who asked about their balance
    chat.start()
    chat.sign_in(party_id)
    chat.say("how much money do I have")
    # when they ask for a person
    handed = chat.say("I want to talk to a real person")
    # then the conversation becomes a case whose description is the transcript
    assert handed["status"] == "handed_over"
    case = session.get(Case, handed["case_id"])
    assert (case.case_type, case.channel, case.party_id) == ("enquiry", "assistant", party_id)
    lines = case.description.splitlines()
    assert [line.split("] ", 1)[1] for line in lines if "Customer:" in line] == [
        "Customer: how much money do I have",
        "Customer: I want to talk to a real person",
    ]
    assert any(line.endswith("Assistant: Your balances:") for line in lines)
    # when the customer writes again, the message goes to the case
    assert chat.say("are you there?")["messages"][1:] == []
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message"))
    assert [e.body for e in event] == ["are you there?"]
    # when an agent replies on the case for the customer to see
    note = chat.client.post(
        f"/api/v1/cases/{case.id}/notes",
        json={"body": "Hello, this is Mei from the service desk.", "visibility": "customer"},
        headers=world.headers(Role.ADMIN),
    )
    assert note.status_code == 201, note.text
    # then the reply appears in the conversation
    thread = chat.client.get("/api/v1/assistant/conversations/messages", headers=chat.headers).json()
    assert [(m["sender"], m["text"]) for m in thread["messages"]][-1] == (
        "agent",
        "Hello, this is Mei from the service desk.",
    )
    # and the contact on the customer's history records the case
    contact = session.scalars(select(Interaction).where(Interaction.party_id == party_id)).one()
    assert (contact.outcome, contact.case_id) == ("case_opened", case.id)


def test_a_handover_without_sign_in_asks_the_customer_to_sign_in(chat):
    # given an anonymous conversation
    chat.start()
    # when the customer asks for a person
    answer = chat.say("can I speak to a human agent")
    # then no case can be opened for nobody: they are told how to reach a person
    assert answer["status"] == "open"
    assert answer["messages"][1]["data"] == {"needs": "authentication"}


def test_erasing_the_customer_erases_their_conversations(chat, world, session):
    from guanxi.assistant.models import ConversationMessage
    from guanxi.security.pii import ERASED

    party_id = world.ids["own_party"]
    # given a signed-in conversation handed over to a person
    chat.start()
    chat.sign_in(party_id)
    handed = chat.say("I want to talk to a real person")
    # when the compliance officer erases the customer
    erased = chat.client.post(
        f"/api/v1/parties/{party_id}/erase",
        json={"reason": "DSR-2026-0100"},
        headers=world.headers(Role.COMPLIANCE_OFFICER),
    )
    assert erased.status_code == 200, erased.text
    # then every message of the conversation and the case's transcript are gone
    session.expire_all()
    texts = set(session.scalars(select(ConversationMessage.text)))
    assert texts == {ERASED}
    assert session.get(Case, handed["case_id"]).description is None


# Chinese, in both scripts.


def test_a_balance_enquiry_in_traditional_chinese(chat, world, session):
    # given a conversation in Traditional Chinese
    chat.start("zh-Hant")
    # when the customer asks for the balance before signing in
    assert chat.replies("我戶口有幾多錢？") == ["為保障您的資料安全，請先登入（客戶號碼及密碼）。"]
    # then after signing in it is answered in Traditional Chinese
    body = chat.sign_in(world.ids["own_party"]).json()
    assert [m["text"] for m in body["messages"] if m["sender"] == "assistant"] == [
        f"您的結餘：\nEveryday current account（{_ending(session, world)}）：CNY 1,234.56"
    ]


def test_a_lost_card_in_simplified_chinese(chat, world, session):
    party_id = world.ids["own_party"]
    chat.start("zh-Hans")
    chat.sign_in(party_id)
    ending = _ending(session, world)
    # when the customer says their credit card is lost
    assert chat.replies("我的信用卡丢了") == [
        f"确认挂失并永久停用您的金信用卡（账户尾号 {ending}）？我们会补发新卡。（是／否）"
    ]
    # and confirms
    done = chat.say("是的")
    # then the credit card is stopped
    assert (
        done["messages"][1]["text"]
        == f"已停用您的金信用卡（账户尾号 {ending}），补卡申请编号 {done['messages'][1]['data']['case_id']}。"
    )
    assert cards_of(session, party_id) == {"debit": "active", "credit": "blocked"}


def test_a_lost_card_in_traditional_chinese_asks_which_card_first(chat, world, session):
    party_id = world.ids["own_party"]
    chat.start("zh-Hant")
    chat.sign_in(party_id)
    ending = _ending(session, world)
    # when the customer says, in Cantonese, that their card is gone, without saying which
    assert chat.replies("我張卡唔見咗") == [
        f"請問是哪一張卡？1) 金信用卡（戶口尾號 {ending}）; 2) 普通扣賬卡（戶口尾號 {ending}）"
    ]
    # and picks the second
    assert chat.replies("第二張") == [
        f"確認掛失並永久停用您的普通扣賬卡（戶口尾號 {ending}）？我們會補發新卡。（是／否）"
    ]
    # then only after yes is the debit card stopped
    assert cards_of(session, party_id) == {"debit": "active", "credit": "active"}
    chat.say("確認")
    assert cards_of(session, party_id) == {"debit": "blocked", "credit": "active"}


def test_an_appointment_in_traditional_chinese_fills_the_day_then_the_time(chat, world, session):
    with frozen_at(T0):
        chat.start("zh-Hant")
        chat.sign_in(world.ids["own_party"])
        # when the customer asks for an appointment without a day
        assert chat.replies("我想預約見客戶經理") == ["請問您想預約哪一天？"]
        # then gives the day
        assert chat.replies("下星期一") == [
            "2026-12-07 可預約的時間：09:00, 09:30, 10:00, 10:30, 11:00, 11:30, 12:00, 12:30。請選擇一個時間。"
        ]
        # then the time
        assert chat.replies("下午三點") == ["確認預約與您的客戶經理會面，時間 2026-12-07 15:00？（是／否）"]
        done = chat.say("是")
    appointment = session.get(Appointment, done["messages"][1]["data"]["appointment_id"])
    assert appointment.starts_at == dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)


def test_an_appointment_in_simplified_chinese(chat, world, session):
    with frozen_at(T0):
        chat.start("zh-Hans")
        chat.sign_in(world.ids["own_party"])
        # when the customer asks for next Monday at 11 in the morning
        assert chat.replies("我想预约下周一上午十一点") == [
            "确认预约与您的客户经理会面，时间 2026-12-07 11:00？（是／否）"
        ]
        done = chat.say("好的")
    # then it is booked
    appointment = session.get(Appointment, done["messages"][1]["data"]["appointment_id"])
    assert appointment.starts_at == dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def test_out_of_scope_and_handover_in_chinese(chat, world, session):
    chat.start("zh-Hant")
    chat.sign_in(world.ids["own_party"])
    # when the customer asks about the weather
    assert chat.replies("今天天氣怎樣？") == ["抱歉，我未能理解。可以換個說法嗎？或者需要我為您轉接專人？"]
    # and then asks for a person
    handed = chat.say("我要轉人工客服")
    # then a case is opened with the transcript
    assert handed["status"] == "handed_over"
    case = session.get(Case, handed["case_id"])
    assert "Customer: 今天天氣怎樣？" in case.description
    assert handed["messages"][1]["text"] == f"我已把對話轉交同事處理（個案編號 {case.id}），他們會在這裡回覆您。"


# Bad input.


def test_a_wrong_or_missing_token_reaches_no_conversation(client):
    # when messages are sent without a token, or with a made-up one
    missing = client.post("/api/v1/assistant/conversations/messages", json={"text": "hi"})
    wrong = client.post(
        "/api/v1/assistant/conversations/messages", json={"text": "hi"}, headers={"X-Conversation-Token": "x" * 43}
    )
    # then neither reaches a conversation
    assert (missing.status_code, missing.json()["code"]) == (422, "invalid_request")
    assert (wrong.status_code, wrong.json()["code"]) == (404, "conversation_not_found")


@pytest.mark.parametrize(
    ("body", "code"),
    [({"text": ""}, "invalid_request"), ({"text": "x" * 2001}, "invalid_request"), ({"text": "   "}, "empty_message")],
)
def test_a_bad_message_is_refused_with_its_code(chat, body, code):
    chat.start()
    response = chat.client.post("/api/v1/assistant/conversations/messages", json=body, headers=chat.headers)
    assert (response.status_code, response.json()["code"]) == (422, code)


def test_a_closed_conversation_takes_no_more_messages(chat):
    chat.start()
    closed = chat.client.post("/api/v1/assistant/conversations/close", headers=chat.headers)
    assert closed.json()["status"] == "closed"
    response = chat.client.post("/api/v1/assistant/conversations/messages", json={"text": "hi"}, headers=chat.headers)
    assert (response.status_code, response.json()["code"]) == (409, "conversation_closed")


def test_a_conversation_cannot_be_taken_over_by_another_customer(chat, world, session):
    with session.begin():
        enrol_customer(session=session, actor=SYSTEM, party_id=world.ids["other_party"], passcode=PASSCODE)
    chat.start()
    assert chat.sign_in(world.ids["own_party"]).status_code == 200
    response = chat.sign_in(world.ids["other_party"])
    assert (response.status_code, response.json()["code"]) == (409, "conversation_of_another_customer")
