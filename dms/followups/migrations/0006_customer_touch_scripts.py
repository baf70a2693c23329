"""The default scripts of the touches of a customer rather than a car (dormant, keep in touch) named the
car's plate, which such a touch never has: "a word on how  is doing". Plans that still hold those
defaults as shipped get the new words ("your car"); scripts a group or store rewrote are left alone."""

from django.db import migrations

# code: ((old Chinese, new Chinese), (old English, new English))
SCRIPTS = {
    "dormant_6m": (
        (
            "您好{name}，我是{store}的{manager}。您的爱车{plate}已有一段时间没回店了，车辆使用还好吗？"
            "我们现在有免费检测，欢迎您有空回店看看。",
            "您好{name}，我是{store}的{manager}。您的爱车已有一段时间没回店了，车辆使用还好吗？"
            "我们现在有免费检测，欢迎您有空回店看看。",
        ),
        (
            "Hello {name}, this is {manager} at {store}. {plate} has not been in for a while: is the car "
            "well? We offer a free check at the moment; do drop by.",
            "Hello {name}, this is {manager} at {store}. Your car has not been in for a while: is it "
            "running well? We offer a free check at the moment; do drop by.",
        ),
    ),
    "keep_in_touch_analytical": (
        (
            "您好{name}，我是{store}的{manager}。按计划和您确认一下爱车{plate}的使用情况和下次保养时间。",
            "您好{name}，我是{store}的{manager}。按计划和您确认一下爱车的使用情况和下次保养时间。",
        ),
        (
            "Hello {name}, {manager} from {store}. As planned, a word on how {plate} is doing and when its "
            "next maintenance falls.",
            "Hello {name}, {manager} from {store}. As planned, a word on how your car is doing and when its "
            "next maintenance falls.",
        ),
    ),
    "keep_in_touch_dominant": (
        (
            "您好{name}，我是{store}的{manager}，简短打扰：爱车{plate}一切正常吗？有需要直接找我。",
            "您好{name}，我是{store}的{manager}，简短打扰：爱车一切正常吗？有需要直接找我。",
        ),
        (
            "Hello {name}, {manager} from {store}, briefly: is {plate} all right? Call me directly if needed.",
            "Hello {name}, {manager} from {store}, briefly: is the car all right? Call me directly if needed.",
        ),
    ),
}


def forward(apps, schema_editor):
    TouchRule = apps.get_model("followups", "TouchRule")
    for code, ((old_zh, new_zh), (old_en, new_en)) in SCRIPTS.items():
        TouchRule.objects.filter(code=code, script_zh=old_zh).update(script_zh=new_zh)
        TouchRule.objects.filter(code=code, script_en=old_en).update(script_en=new_en)


class Migration(migrations.Migration):
    dependencies = [("followups", "0005_fewer_indexes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
