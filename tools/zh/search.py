"""Simplified Chinese for the customer and vehicle files' later work (issue 3): "customer since",
the import's new columns (customer manager, selling store)."""

ZH = {
    "customer since": "客户起始日期",
    "Customer since": "客户起始日期",
    "When the customer first came to the group, if before this file was opened (e.g. imported).": (
        "客户首次来到本集团的日期（早于建档时填写，例如导入的老客户）。"
    ),
    "“Customer since” cannot be in the future.": "“客户起始日期”不能晚于今天。",
    "%(value)s is not a store of your group (write its code or name).": (
        "%(value)s 不是本集团的门店（请填写门店代码或名称）。"
    ),
    "Several colleagues are called %(value)s; write the user name.": "有多位同事名为 %(value)s，请填写用户名。",
    "%(value)s is not a colleague in your group (write the user name).": (
        "%(value)s 不是本集团的同事（请填写用户名）。"
    ),
}
