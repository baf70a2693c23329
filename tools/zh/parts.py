"""Chinese for the parts app's own words (dms/parts/): a quantity with its unit (units.py)."""

ZH = {
    # units.py: one form in Chinese; the units as in the Unit choices (translate_zh.py)
    "%(q)s piece": ["%(q)s 个"],
    "%(q)s each": ["%(q)s 件"],
    "%(q)s set": ["%(q)s 套"],
    "%(q)s pair": ["%(q)s 对"],
    "%(q)s bottle": ["%(q)s 瓶"],
    "%(q)s box": ["%(q)s 盒"],
    "%(q)s litre": ["%(q)s 升"],
    "%(q)s metre": ["%(q)s 米"],
    "%(q)s kilogram": ["%(q)s 千克"],
}
