"""Simplified Chinese for the promise sweep (dms/portal: warnings of promised times at risk) and the
top bar's menus (dms/core/navigation.py)."""

ZH = {
    # --- the top bar
    "After-sales": "售后",
    "Workshop": "车间",
    "Customer care": "客户关怀",
    # --- the warning and its text
    "Promised time at risk": "交车时间预警",
    "promise at risk": "有风险的承诺时间",
    "warned at": "预警时间",
    "text message to the customer": "发给客户的短信",
    "promise warning": "交车时间预警",
    "promise warnings": "交车时间预警",
    "[%(store)s] %(name)s, we are sorry: %(plate)s may not be ready by %(time)s as we promised. "
    "Your service advisor will tell you the new time shortly. Progress: %(url)s Questions: %(phone)s": "【%(store)s】%(name)s，非常抱歉：您的爱车 %(plate)s 可能无法在承诺的 %(time)s 完工，服务顾问稍后会告知新的"
    "交车时间。维修进度：%(url)s 咨询电话：%(phone)s",
    # --- the badge and the list of promises at risk
    "Promises at risk": "交车预警",
    "%(n)s of your promised times is at risk: tell the customer the new time": [
        "您有 %(n)s 个承诺交车时间有延误风险：请告知客户新的交车时间",
    ],
    "%(n)s promised time is at risk in this store": ["本店有 %(n)s 个承诺交车时间有延误风险"],
    "Every few minutes the advisor is warned here and in the top bar, and the customer receives a text.": "系统每隔几分钟检查一次：在此处和顶栏提醒服务顾问，并短信告知客户。",
    "Warned": "已预警",
    "yours": "您的",
    "text to the customer not sent": "客户短信未发出",
    "customer texted": "已短信告知客户",
    "customer not texted (no mobile number)": "未短信告知客户（无手机号）",
    "not yet": "尚未预警",
}
