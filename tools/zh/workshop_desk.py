"""Chinese for the service advisor's repair-order pages (dms/workshop/views.py, templates)."""

ZH = {
    "Order opened": "开单",
    "Item added": "添加项目",
    "Item removed": "删除项目",
    "Customer": "客户",
    "Late": "已超时",
    "in stock": "可用库存",
    "By the workshop's load, ready at %(t)s (%(q)s h queued for %(n)s technicians today).":
        "按车间当前负荷，预计 %(t)s 完工（排队 %(q)s 工时，今日 %(n)s 名技师）。",
    "By the workshop's load, a one-hour job is ready at %(t)s (%(q)s h queued for %(n)s technicians today). "
    "Adjust the promise to the work found.":
        "按车间当前负荷，1 工时的作业预计 %(t)s 完工（排队 %(q)s 工时，今日 %(n)s 名技师）。请按实际作业调整承诺时间。",
}  # fmt: skip

ZH.update(
    {
        "Customer signs": "客户签字确认",
        "Dispatch": "派工",
        "Start work": "开工",
        "Ask the customer to approve extra work": "请客户确认追加项目",
        "Customer decided on extra work": "客户已答复追加项目",
        "Finish work": "完工",
        "QC passed": "质检通过",
        "QC failed: back to the technician": "质检不合格：退回技师返工",
        "Settle": "结算",
        "Deliver to the customer": "交车",
        "Cancel": "取消",
    }
)

ZH.update(
    {
        "Walk-around at check-in": "接车环检",
        "Service packages": "保养套餐",
        "Follow-ups": "回访",
        "Reception": "接待",
    }
)

ZH.update(
    {
        "Parts issued from stock.": "已领料出库。",
        "issued": "已领",
        "Issue parts": "领料",
        "Choose a part line of this order.": "请选择本委托书的配件项目。",
        "Only items the customer agreed to are issued.": "只有客户同意的项目才能领料。",
        "Parts are issued once the customer has signed and until the work is finished.": "客户签字后、完工前才能领料。",
        "At most %(n)s more of this line can be issued.": "该项目最多还能领 %(n)s。",
        "Item added": "添加项目",
    }
)

ZH.update(
    {
        "Technician clocked on": "技师开始计时",
        "Technician paused": "技师暂停",
        "Technician resumed": "技师继续作业",
        "Technician clocked off": "技师停止计时",
        "Parts issued": "领料出库",
        "New promised time told to the customer": "已通知客户新的交车时间",
        "technician %(name)s": "技师 %(name)s",
    }
)
