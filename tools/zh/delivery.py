"""Simplified Chinese for delivery (交车) on the order page: old parts handed over, consent to a
follow-up and its channel and time; and the finding photos on the customer's approval page."""

ZH = {
    # --- dms/workshop: the delivery form and its checks
    "Mileage out (km)": "出厂里程（km）",
    "Empty: the mileage in.": "留空：同进厂里程。",
    "Preferred channel": "首选联系方式",
    "Preferred time": "首选联系时间",
    "Say whether the old parts were handed over to the customer.": "请确认旧件是否已交还客户。",
    "Follow-up call or message within 2 days": "交车后 2 天内回访",
    "Agrees to be contacted": "同意回访",
    "Does not want to be contacted": "不同意回访",
    "Say whether the customer agrees to a follow-up call or message.": "请确认客户是否同意交车后回访。",
    "Choose how the customer wants to be contacted.": "请选择客户希望的联系方式。",
    "Choose when the customer prefers to be contacted.": "请选择客户希望的联系时间。",
    "Delivery": "交车",
    "At consultation the customer chose to take the old parts back.": "问诊时客户选择带走旧件。",
    "Old parts: %(how)s (agreed at consultation).": "旧件处理：%(how)s（问诊时约定）。",
    "At the last delivery the customer did not want to be contacted.": "上次交车时客户不希望被联系。",
    "Filled in from the customer's file; change it if the customer says otherwise.": "已按客户档案预填；客户另有要求时请修改。",
    "No follow-up call: customer care will see “Do not call” and close it without calling.": "不回访：客服会看到“请勿致电”，不致电直接关闭。",
    # --- dms/portal: the technician's photos on the approval page
    "Technician's photo %(n)s: %(item)s": "技师拍摄的照片 %(n)s：%(item)s",
    "Tap a photo to see it full size.": "点击照片可查看大图。",
}
