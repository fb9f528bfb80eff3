"""What the assistant says, in English, Traditional and Simplified Chinese.

Every reply is a template with named fields; :func:`say` fills it in the customer's language.
Keeping the words here (not in the dialogue logic) lets a bank reword them in one place, and a
test checks that every template exists in all three languages with the same fields.
"""

from __future__ import annotations

import string

LANGUAGES = ("en", "zh-Hant", "zh-Hans")

REPLIES: dict[str, tuple[str, str, str]] = {
    "greeting": (
        "Hello! I can tell you your balance and recent transactions, lock or unlock a card, report a lost card, "
        "book an appointment, open a complaint or pass you to a colleague. How can I help?",
        "您好！我可以查詢餘額和近期交易、鎖定或解鎖銀行卡、掛失、預約、投訴，或為您轉接專人。請問有甚麼可以幫您？",
        "您好！我可以查询余额和近期交易、锁定或解锁银行卡、挂失、预约、投诉，或为您转接人工。请问有什么可以帮您？",
    ),
    "thanks": ("You're welcome.", "不客氣。", "不客气。"),
    "goodbye": ("Goodbye, and thank you for banking with us.", "再見，感謝您的支持。", "再见，感谢您的支持。"),
    "sign_in_first": (
        "For that I need to know it's you. Please sign in first (customer number and passcode).",
        "為保障您的資料安全，請先登入（客戶號碼及密碼）。",
        "为保障您的资料安全，请先登录（客户号码及密码）。",
    ),
    "signed_in": ("Thank you, you're signed in.", "謝謝，您已登入。", "谢谢，您已登录。"),
    "rephrase": (
        "Sorry, I'm not sure I understood. Could you put it another way, or shall I pass you to a colleague?",
        "抱歉，我未能理解。可以換個說法嗎？或者需要我為您轉接專人？",
        "抱歉，我没能理解。可以换个说法吗？或者需要我为您转接人工？",
    ),
    "handover": (
        "I've passed our conversation to a colleague (case {case_id}). They will reply here.",
        "我已把對話轉交同事處理（個案編號 {case_id}），他們會在這裡回覆您。",
        "我已把对话转交同事处理（工单编号 {case_id}），他们会在这里回复您。",
    ),
    "handover_needs_sign_in": (
        "To pass you to a colleague with our conversation, please sign in first, or call us on our service line.",
        "如需轉接專人並附上對話記錄，請先登入，或致電客戶服務熱線。",
        "如需转接人工并附上对话记录，请先登录，或致电客户服务热线。",
    ),
    "with_agent": (
        "A colleague has your case {case_id} and will reply here.",
        "同事正在處理您的個案 {case_id}，會在這裡回覆您。",
        "同事正在处理您的工单 {case_id}，会在这里回复您。",
    ),
    "complaint_opened": (
        "I'm sorry to hear that. I've opened complaint {case_id} with our conversation; a colleague will reply here.",
        "很抱歉為您帶來不便。我已登記投訴（個案編號 {case_id}）並附上對話記錄，同事會在這裡回覆您。",
        "很抱歉给您带来不便。我已登记投诉（工单编号 {case_id}）并附上对话记录，同事会在这里回复您。",
    ),
    "balance_line": ("{name} ({ending}): {amount}", "{name}（{ending}）：{amount}", "{name}（{ending}）：{amount}"),
    "balance_intro": ("Your balances:", "您的結餘：", "您的余额："),
    "no_such_account": (
        "I couldn't find an open account like that, so here are all of them.",
        "找不到符合的有效戶口，以下是您所有的戶口。",
        "找不到符合的有效账户，以下是您所有的账户。",
    ),
    "no_accounts": ("You have no open accounts with us.", "您沒有有效的戶口。", "您没有有效的账户。"),
    "transactions_intro": ("Your latest transactions:", "您最近的交易：", "您最近的交易："),
    "transaction_line": (
        "{day} {description} {amount}",
        "{day} {description} {amount}",
        "{day} {description} {amount}",
    ),
    "no_transactions": ("I found no recent transactions.", "沒有找到近期交易。", "没有找到近期交易。"),
    "no_cards": ("You have no card that can be changed.", "您沒有可操作的銀行卡。", "您没有可操作的银行卡。"),
    "which_card": (
        "Which card? {options}",
        "請問是哪一張卡？{options}",
        "请问是哪一张卡？{options}",
    ),
    "confirm_lock_card": (
        "Lock your {card}? (yes / no)",
        "確認鎖定您的{card}？（是／否）",
        "确认锁定您的{card}？（是／否）",
    ),
    "confirm_unlock_card": (
        "Unlock your {card}? (yes / no)",
        "確認解鎖您的{card}？（是／否）",
        "确认解锁您的{card}？（是／否）",
    ),
    "confirm_report_lost_card": (
        "Report your {card} lost and stop it for good? A replacement will be sent. (yes / no)",
        "確認掛失並永久停用您的{card}？我們會補發新卡。（是／否）",
        "确认挂失并永久停用您的{card}？我们会补发新卡。（是／否）",
    ),
    "done_lock_card": (
        "Done: your {card} is locked. Say 'unlock my card' when you want it back.",
        "已鎖定您的{card}。需要時說「解鎖我的卡」即可。",
        "已锁定您的{card}。需要时说“解锁我的卡”即可。",
    ),
    "done_unlock_card": ("Done: your {card} works again.", "已解鎖您的{card}。", "已解锁您的{card}。"),
    "done_report_lost_card": (
        "Your {card} is stopped. Request {case_id} will send you a replacement.",
        "已停用您的{card}，補卡申請編號 {case_id}。",
        "已停用您的{card}，补卡申请编号 {case_id}。",
    ),
    "cancelled": ("All right, I haven't changed anything.", "好的，我沒有作任何更改。", "好的，我没有做任何更改。"),
    "yes_or_no": ("Please answer yes or no.", "請回答「是」或「否」。", "请回答“是”或“否”。"),
    "action_failed": (
        "Sorry, that could not be done: {reason}",
        "抱歉，未能完成：{reason}",
        "抱歉，未能完成：{reason}",
    ),
    "ask_date": (
        "Which day would suit you?",
        "請問您想預約哪一天？",
        "请问您想预约哪一天？",
    ),
    "ask_time": (
        "On {day} these times are free: {times}. Which one?",
        "{day} 可預約的時間：{times}。請選擇一個時間。",
        "{day} 可预约的时间：{times}。请选择一个时间。",
    ),
    "no_slots": (
        "Sorry, nothing is free on {day}. Which other day would suit you?",
        "抱歉，{day} 已滿。請選擇另一天。",
        "抱歉，{day} 已约满。请选择另一天。",
    ),
    "slot_not_free": (
        "{time} is not free on {day}. Free times: {times}.",
        "{day} {time} 不可預約。可預約時間：{times}。",
        "{day} {time} 不可预约。可预约时间：{times}。",
    ),
    "confirm_book_appointment": (
        "Book an appointment {where} on {day} at {time}? (yes / no)",
        "確認預約{where}，時間 {day} {time}？（是／否）",
        "确认预约{where}，时间 {day} {time}？（是／否）",
    ),
    "done_book_appointment": (
        "Booked: {where} on {day} at {time} (appointment {appointment_id}). We'll send a reminder.",
        "已預約：{where}，{day} {time}（預約編號 {appointment_id}），我們會發送提示。",
        "已预约：{where}，{day} {time}（预约编号 {appointment_id}），我们会发送提醒。",
    ),
    "no_appointments": ("You have no upcoming appointments.", "您沒有即將到來的預約。", "您没有即将到来的预约。"),
    "which_appointment": ("Which appointment? {options}", "請問是哪一個預約？{options}", "请问是哪一个预约？{options}"),
    "confirm_cancel_appointment": (
        "Cancel your appointment on {day} at {time}? (yes / no)",
        "確認取消 {day} {time} 的預約？（是／否）",
        "确认取消 {day} {time} 的预约？（是／否）",
    ),
    "done_cancel_appointment": ("Your appointment is cancelled.", "已取消您的預約。", "已取消您的预约。"),
    "confirm_reschedule_appointment": (
        "Move your appointment to {day} at {time}? (yes / no)",
        "確認把預約改到 {day} {time}？（是／否）",
        "确认把预约改到 {day} {time}？（是／否）",
    ),
    "done_reschedule_appointment": (
        "Moved: your appointment is now on {day} at {time}.",
        "已改期：新的預約時間為 {day} {time}。",
        "已改期：新的预约时间为 {day} {time}。",
    ),
    "with_your_rm": ("with your relationship manager", "與您的客戶經理會面", "与您的客户经理会面"),
    "at_branch": ("at {branch}", "於{branch}", "在{branch}"),
    "confirm_request_callback": (
        "Ask your relationship manager to call you back? (yes / no)",
        "確認請您的客戶經理回電？（是／否）",
        "确认请您的客户经理回电？（是／否）",
    ),
    "done_request_callback": (
        "Done: request {case_id} asks your relationship manager to call you back.",
        "已安排：回電申請編號 {case_id}。",
        "已安排：回电申请编号 {case_id}。",
    ),
    "ask_contact": (
        "What is the new email address or mobile number?",
        "請提供新的電郵地址或手機號碼。",
        "请提供新的电子邮箱或手机号码。",
    ),
    "contact_email": ("email address", "電郵地址", "电子邮箱"),
    "contact_phone": ("mobile number", "手機號碼", "手机号码"),
    "confirm_update_contact": (
        "Change your {kind} to {value}? We'll send a code to it to check it's yours. (yes / no)",
        "確認把您的{kind}改為 {value}？我們會發送驗證碼以作核實。（是／否）",
        "确认把您的{kind}改为 {value}？我们会发送验证码以作核实。（是／否）",
    ),
    "ask_code": (
        "We've sent a 6-digit code to {value}. Please type it here.",
        "驗證碼已發送至 {value}，請在此輸入六位數字。",
        "验证码已发送至 {value}，请在此输入六位数字。",
    ),
    "ask_code_again": (
        "Please type the 6-digit code we sent.",
        "請輸入我們發送的六位數字驗證碼。",
        "请输入我们发送的六位数字验证码。",
    ),
    "wrong_code": (
        "That code is not right. Tries left: {left}.",
        "驗證碼不正確，尚餘 {left} 次機會。",
        "验证码不正确，还剩 {left} 次机会。",
    ),
    "code_refused": (
        "That code was wrong too often, so nothing was changed. You can start again.",
        "驗證碼錯誤次數過多，資料未有更改。您可以重新開始。",
        "验证码错误次数过多，资料未作更改。您可以重新开始。",
    ),
    "code_expired": (
        "The code has expired, so nothing was changed. You can start again.",
        "驗證碼已過期，資料未有更改。您可以重新開始。",
        "验证码已过期，资料未作更改。您可以重新开始。",
    ),
    "done_update_contact": (
        "Done: your {kind} is updated and verified.",
        "已完成：您的{kind}已更新並驗證。",
        "已完成：您的{kind}已更新并验证。",
    ),
    "card_label": (
        "{tier} {kind} card (account ending {ending})",
        "{tier}{kind}（戶口尾號 {ending}）",
        "{tier}{kind}（账户尾号 {ending}）",
    ),
    "card_debit": ("debit", "扣賬卡", "借记卡"),
    "card_credit": ("credit", "信用卡", "信用卡"),
    "tier_junior": ("junior", "少年", "少年"),
    "tier_classic": ("classic", "普通", "普通"),
    "tier_gold": ("gold", "金", "金"),
    "tier_platinum": ("platinum", "白金", "白金"),
    "insights_intro": ("Worth knowing:", "溫馨提示：", "温馨提示："),
    "no_insights": ("Nothing needs your attention right now.", "目前沒有需要留意的事項。", "目前没有需要留意的事项。"),
}


def say(key: str, language: str, **fields: object) -> str:
    """The reply ``key`` in ``language`` (English when the language is not served), filled in."""
    texts = REPLIES[key]
    index = LANGUAGES.index(language) if language in LANGUAGES else 0
    return texts[index].format(**fields)


def card_label(tier: str, kind: str, ending: str, language: str) -> str:
    """A card in words the customer recognises, e.g. ``gold credit card (account ending 4321)``."""
    tier_word = say(f"tier_{tier}", language) if f"tier_{tier}" in REPLIES else tier
    kind_word = say(f"card_{kind}", language) if f"card_{kind}" in REPLIES else kind
    return say("card_label", language, tier=tier_word, kind=kind_word, ending=ending)


def fields_of(template: str) -> set[str]:
    """The named fields a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
