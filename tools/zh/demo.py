"""Chinese for dms/demo/ (the demo dealership): the demo's data is written in Chinese directly (names,
complaints, parts, labor operations), so nothing here needs translating."""

ZH: dict = {}
