"""Chinese for issue 13's and 14's last pieces: the behaviour-type tips where the work happens, the
manager's own phone in the scripts, the public web complaint form, the delivery photo texted to the
buyer, and the sales desk's drill-down."""

ZH = {
    # the manager's own phone (dms/core)
    "work phone": "工作电话",
    "Given to customers in call scripts and messages (a customer manager's own mobile); the store's phone "
    "when empty.": "话术和短信中提供给客户的电话（如客户经理本人手机）；留空则使用门店电话。",
    "Enter a phone number of digits (a mobile such as 13812345678, or 0755-12345678).": "请输入数字组成的电话号码（手机如 13812345678，或座机如 0755-12345678）。",
    "Your phone is saved: scripts give it to your customers.": "电话已保存：话术中将向您的客户提供此号码。",
    "Your phone in the scripts": "话术中的我的电话",
    "Empty: customers are given the store's phone.": "留空：向客户提供门店电话。",
    # the web complaint form (dms/satisfaction, dms/portal)
    "Enter your name.": "请输入您的姓名。",
    "Keep the name under %(n)d characters.": "姓名请勿超过 %(n)d 个字。",
    "Choose what the complaint is about.": "请选择投诉内容。",
    "Tell us what happened.": "请告诉我们发生了什么。",
    "A number plate has at most 8 characters, such as 粤B12345.": "车牌最多 8 个字符，如 粤B12345。",
    "Tick the box to agree that we use your details to handle this complaint.": "请勾选同意我们使用您的信息处理本次投诉。",
    "Web complaint form": "网上投诉表",
    "Number plate": "车牌",
    "Your name": "您的姓名",
    "Number plate (if it is about your car)": "车牌（与车辆有关时填写）",
    "What is it about?": "投诉内容",
    "What happened?": "发生了什么？",
    "I agree that the store uses my name, mobile and what I wrote to handle this complaint and to contact "
    "me about it, as the privacy notice above says.": "我同意门店按上方个人信息处理告知，使用我的姓名、手机号和所填内容处理本次投诉并就此与我联系。",
    "Tell us what went wrong": "投诉与建议",
    "Thank you, we have your complaint": "谢谢，我们已收到您的投诉",
    "The person in charge of it will contact you within %(h)s hour.": [
        "负责处理的同事会在 %(h)s 小时内与您联系。"
    ],
    "Urgent? Call us at %(phone)s.": "情况紧急？请致电 %(phone)s。",
    "Your complaint goes straight to the store's customer care; someone in charge calls you back. The "
    "number plate is optional, everything else is needed.": "您的投诉将直接交给门店客服，由专人回电处理。车牌可不填，其余各项均为必填。",
    "Privacy notice: how we use your details": "个人信息处理告知：我们如何使用您的信息",
    "Send the complaint": "提交投诉",
    "Not happy with something? Tell us": "有不满意的地方？告诉我们",
    # the delivery photo (dms/sales, dms/messaging, dms/followups)
    "[%(store)s] %(name)s, congratulations on your new %(model)s! Here is the photo we took at the "
    "delivery, to keep: %(url)s Any question about the car: %(phone)s": "【%(store)s】%(name)s，恭喜您喜提爱车 %(model)s！这是交车时为您拍的纪念照片：%(url)s 用车有任何问题请致电 %(phone)s",
    "Texted to the customer at the delivery": "交车时已短信发送给客户",
    "Photo texted to the customer": "照片已短信发送给客户",
    "The photo was not texted: the customer has no mobile number.": "照片未发送：客户没有手机号。",
    "Your delivery photo": "您的交车照片",
    "Congratulations on your new car, %(name)s!": "%(name)s，恭喜您喜提爱车！",
    "Press and hold the photo to save it on your phone.": "长按照片即可保存到手机。",
    # the sales desk's drill-down
    "The consultant is a number.": "销售顾问须为编号。",
    "Party size": "人数",
    "Quoted": "报价时间",
    "Registered in %(m)s": "%(m)s 登记",
    "who took a test drive": "已试驾",
    "%(n)s prospect drove": ["%(n)s 位潜客试驾"],
    # the quotation printed
    "Accessories total": "精品合计",
    "This offer holds until %(d)s. The purchase contract signed by both parties prevails; insurance and fees "
    "follow the insurer's and the authorities' final figures.": (
        "本报价有效期至 %(d)s，以双方签订的购车合同为准；保险及上牌费用以保险公司和车管部门最终核定为准。"
    ),
    "Customer's signature and date": "客户签字及日期",
    "Sales consultant's signature and date": "销售顾问签字及日期",
    # a label and its text in Chinese take a full-width colon (the tips, a case's history)
    "%(step)s: %(tip)s": "%(step)s：%(tip)s",
    "%(what)s: %(why)s": "%(what)s：%(why)s",
    "Insurance renewal rate %(r)s%% (%(renewed)s of %(due)s)": "续保率 %(r)s%%（到期 %(due)s 台，已续保 %(renewed)s 台）",
    "The customer complains: open a complaint case": "客户投诉：立投诉案件跟进",
    # the store's queue and a task's page
    "Every touch of the store: the calls within 2 days of a delivery (ask how satisfied the customer is, write "
    "any complaint in their own words), reminders, cards and gifts. A touch nobody is assigned to is the "
    "store's: whoever opens it here does it.": (
        "本店全部接触任务：交车后 2 天内的回访电话（询问满意度，有投诉请按客户原话记录）、提醒、贺卡和礼品。"
        "尚无人负责的任务由本店处理：在此打开即可办理。"
    ),
    "Assigned to": "负责人",
    "Nobody yet": "尚无人负责",
    "delivered %(d)s": "交车 %(d)s",
    "Hand over the gift": "送出礼品",
    "Send the card": "寄出贺卡",
    "a button\x04Open": "打开",
    # words with a context (pgettext): "context\x04msgid", apart from the same msgid elsewhere
    "complaint case\x04Open": "待受理",
    "complaint cases\x04Open": "未结",
    "message state\x04Delivered": "已送达",
    "prospect\x04Lost": "已战败",
    "prospects\x04Open": "进行中",
}
