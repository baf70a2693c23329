"""The order page's comeback card, settling an order with nothing to pay, and the claims pages'
upload buttons and history (issue 15's browser journey)."""

ZH = {
    "Comeback decision (返修)": "返修判定",
    "Its technician": "原维修技师",
    "Its QC inspector": "原质检员",
    "The store pays what the customer would have paid.": "原应由客户支付的费用由本店承担。",
    "This visit is inside the repair-quality warranty of:": "本次进厂仍在以下维修的质量保证期内：",
    "delivered %(d)s; %(days)s days and %(km)s km of its warranty left": "%(d)s 交车；保证期还剩 %(days)s 天、%(km)s km",
    "Same fault": "相同故障",
    "No labor operation or system in common with this order's lines yet.": "与本单现有项目暂无相同的工时项目或系统。",
    "Comeback of": "返修原委托书",
    "The customer has nothing to pay on this order.": "本单客户无需付款。",
    "Upload the photos": "上传照片",
    "Upload the documents": "上传单证",
    "Claim collected": "已生成索赔单",
    "Number of claims": "索赔单数",
    "Number of insurance claims": "理赔单数",
}  # fmt: skip
