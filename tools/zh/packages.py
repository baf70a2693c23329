"""Maintenance packages, canned jobs and recommendations (dms/packages)."""

# fmt: off
ZH = {
    # models
    "Any": "不限",
    "Engine (petrol, diesel, hybrid, plug-in hybrid)": "燃油 / 混动 / 插混（有发动机）",
    "Battery electric": "纯电动",
    "Empty: any brand.": "留空：适用所有品牌。",
    "As on the vehicle file, e.g. 雅阁. Empty: any model.": "与车辆档案一致，如“雅阁”。留空：适用该品牌所有车型。",
    "powertrain": "动力类型",
    "package name": "套餐名称",
    "every (km)": "保养间隔（km）",
    "or every (months)": "或间隔（月）",
    "first service only (首保)": "仅用于首保",
    "Offered only to vehicles with no maintenance on file.": "仅推荐给没有保养记录的车辆。",
    "maintenance package": "保养套餐",
    "maintenance packages": "保养套餐",
    "job name": "项目名称",
    "For a brand's own parts. Empty: any brand.": "使用某品牌原厂配件时选择。留空：适用所有品牌。",
    "what it includes, for the customer": "包含内容（向客户说明）",
    "canned job": "标准项目套餐",
    "canned jobs": "标准项目套餐",
    "Labor: times the standard hours (usually 1). Part: in the part's unit.":
        "工时：标准工时的倍数（通常为 1）；配件：按配件单位计。",
    "order": "顺序",
    "Choose either a labor operation or a part.": "请选择一个工时项目或一个配件（二选一）。",
    "A quantity is more than 0.": "数量必须大于 0。",
    "package item": "套餐项目",
    "package items": "套餐项目",
    "canned job item": "套餐项目",
    "canned job items": "套餐项目",
    # recommendations
    "Due soon": "即将到期",
    "h": "小时",
    "Last maintenance %(km)s km / %(date)s; %(driven)s km and %(months)s months since; "
    "maintenance is every %(interval_km)s km or %(interval_months)s months.":
        "上次保养 %(km)s km / %(date)s，已行驶 %(driven)s km、%(months)s 个月，按 %(interval_km)s km 或 "
        "%(interval_months)s 个月保养。",
    "No maintenance on file; bought %(date)s, %(km)s km now; the first maintenance is at "
    "%(interval_km)s km or %(interval_months)s months.":
        "暂无保养记录；购车日期 %(date)s，现 %(km)s km；首次保养为 %(interval_km)s km 或 %(interval_months)s 个月。",
    "No maintenance on file and %(km)s km now; maintenance is every %(interval_km)s km or "
    "%(interval_months)s months.":
        "暂无保养记录，现 %(km)s km；按 %(interval_km)s km 或 %(interval_months)s 个月保养。",
    "Estimated %(km)s km today at about %(per_day)s km a day.": "按日均约 %(per_day)s km 估算，今日约 %(km)s km。",
    "Declined on %(date)s (%(number)s, %(km)s km).": "%(date)s 客户未同意（%(number)s，%(km)s km）。",
    "Technician's note: %(note)s": "技师备注：%(note)s",
    "Maintenance package added": "加入保养套餐",
    "Canned job added": "加入标准项目套餐",
    "Declined item taken up again": "加入上次未做项目",
    # services
    "This package is for %(fits)s; the vehicle is a %(vehicle)s.": "该套餐适用于 %(fits)s；本车为 %(vehicle)s。",
    "This canned job is for %(brand)s; the vehicle is a %(vehicle)s.": "该套餐适用于 %(brand)s；本车为 %(vehicle)s。",
    "“%(name)s” has no items yet: ask an administrator to complete it.": "“%(name)s”还没有项目：请联系管理员完善。",
    "“%(name)s” uses retired items (%(codes)s): ask an administrator to update it.":
        "“%(name)s”包含已停用的项目（%(codes)s）：请联系管理员更新。",
    "“%(name)s” is on this order already.": "“%(name)s”已在本委托书上。",
    "This repair order is for another vehicle.": "该委托书属于另一辆车。",
    # pages
    "Added to the order: %(name)s.": "已加入委托书：%(name)s。",
    "That item is no longer available: reload the page.": "该项目已不可用：请刷新页面。",
    "Choose one first.": "请先选择。",
    "Recommended for this vehicle": "本车建议项目",
    "Declined earlier": "上次未做",
    "about": "约",
    "Add to the order": "加入委托书",
    "No maintenance due and nothing declined at earlier visits.": "暂无到期保养，也没有以往未做的项目。",
    "On this order": "本单已加入",
    "Canned job": "标准项目套餐",
    "Choose a canned job…": "选择标准项目套餐…",
    "Add canned job": "加入套餐",
    "Maintenance package": "保养套餐",
    "Choose a maintenance package…": "选择保养套餐…",
    "Add package": "加入保养套餐",
    "Packages and canned jobs": "保养套餐与标准项目",
    "Service packages": "保养套餐",
    "Prices at %(store)s: labor ¥%(rate)s an hour, parts at today's prices.":
        "%(store)s 价格：工时费 ¥%(rate)s / 小时，配件按当前售价。",
    "Maintain packages": "维护保养套餐",
    "Maintain canned jobs": "维护标准项目",
    "Package, model or brand, canned job name or code": "套餐名称、车型或品牌，标准项目名称或代码",
    "Search packages": "搜索套餐",
    "Maintenance packages": "保养套餐",
    "Package": "套餐",
    "Fits": "适用车型",
    "Interval": "保养间隔",
    "Items": "项目",
    "Estimated amount": "预估金额",
    "First service": "首保",
    "Any brand": "所有品牌",
    "%(km)s km or %(months)s months": "%(km)s km 或 %(months)s 个月",
    "No maintenance package yet.": "还没有保养套餐。",
    "Canned jobs": "标准项目套餐",
    "Code": "代码",
    "No canned job yet.": "还没有标准项目套餐。",
    "No items.": "无项目。",
}
# fmt: on
