"""Chinese for dms/core/demo_service.py: the demo's data is written in Chinese directly (names,
complaints, parts, labor operations), so nothing here needs translating."""

ZH: dict = {}
