"""Simplified Chinese input formats, ISO first. A form renders a date in the first input format, and
Django's zh_Hans puts "%Y/%m/%d" first, which a browser's <input type="date"> cannot read: in Chinese
every date field showed empty (the booking date, a customer's birthday, a car's insurance expiry and
annual inspection) and saving the form erased what was there. The other formats are still read."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%n月%j日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",  # what <input type="datetime-local"> reads (a space or a T)
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y年%n月%j日 %H:%M",
    "%Y年%n月%j日 %H:%M:%S",
    "%Y年%n月%j日 %H:%M:%S.%f",
]
