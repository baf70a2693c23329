"""Chinese for the sales app's words kept apart from translate_zh.py's ZH (dms/sales/)."""

ZH = {
    # the quotation's financing term (sales/quotation.html, sales/print/quotation.html)
    "%(n)s month": ["%(n)s 个月"],
}
