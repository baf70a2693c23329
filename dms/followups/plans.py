"""Touch plans: the default plan of a dealer group (seeds 000, 001, 003) and how a store's plan is
read from it, and the scripts (话术) rendered for one customer.

A group's rules are created from DEFAULT_RULES the first time its plan is read (`ensure_defaults`);
a store overrides one by saving a rule with the same code for itself (`effective_rules`).
docs/relationships.md describes the plan for the people who change it.

The scripts are the store's words to the customer. They never ask for a score: satisfaction is
measured honestly (seed 003's scripts ask customers to answer "very satisfied"; ours do not)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dms.core.roles import Role

from .models import MANAGER, FollowUp, TouchChannel, TouchRule, Trigger

K, C, T = FollowUp.Kind, TouchChannel, Trigger


@dataclass(frozen=True)
class Default:
    code: str
    name: object  # lazy text
    trigger: str
    kind: str
    channel: str
    assignee: str
    script_zh: str
    script_en: str
    offset_days: int = 0
    offset_hours: int = 0
    every_months: int = 0
    every_km: int = 0
    behaviour_type: str = ""
    marketing: bool = False


# Placeholders of a script: {name} (title and name: 张先生), {plate}, {model}, {store},
# {manager} and {manager_phone} (the customer's manager, else the one the touch is assigned to, else the
# store; the phone is that person's own work phone, else the store's), {due} (the due item: a date,
# the maintenance, the expiry), {phone} (the store's). {plate} and {model} are empty in the touches of
# a customer rather than a car (birthday, dormant, keep in touch, complaint closed, referral): their
# scripts say "your car" instead.
DEFAULT_RULES: tuple[Default, ...] = (
    Default(
        "after_service_call",
        _("Call within 2 days of a service"),
        T.SERVICE_DELIVERED,
        K.AFTER_SERVICE,
        C.CALL,
        Role.CUSTOMER_CARE,
        "您好{name},我是{store}的客服。您的爱车{plate}前几天在我们店做了维修保养,想了解一下车辆现在使用得怎么样?"
        "对这次的服务您觉得怎么样,有哪些地方我们可以做得更好?",
        "Hello {name}, this is customer care at {store}. Your car {plate} was serviced with us a few days "
        "ago: how is it running? How did you find our service, and what could we do better?",
        offset_days=2,
    ),
    Default(
        "new_car_sms_2h",
        _("New car: SMS 2 hours after delivery"),
        T.NEW_CAR_DELIVERED,
        K.NEW_CAR,
        C.SMS,
        MANAGER,
        "{name},恭喜您喜提新车{model}!感谢您对我们的信任,祝您用车愉快。用车有任何问题请随时联系我:"
        "{store}客户经理{manager} {manager_phone}",
        "{name}, congratulations on your new {model}! Thank you for your trust; enjoy the drive. For "
        "anything about the car, call me: {manager}, your customer manager at {store}, {manager_phone}",
        offset_hours=2,
    ),
    Default(
        "new_car_call_2h",
        _("New car: call 2 hours after delivery"),
        T.NEW_CAR_DELIVERED,
        K.NEW_CAR,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的客户经理{manager}。您到家了吗?家人对新车还满意吗?用车中有任何需要随时联系我。",
        "Hello {name}, this is {manager}, your customer manager at {store}. Are you home? Does your "
        "family like the new car? Call me whenever you need anything.",
        offset_hours=2,
    ),
    Default(
        "new_car_sms_2d",
        _("New car: running-in advice after 2 days"),
        T.NEW_CAR_DELIVERED,
        K.NEW_CAR,
        C.SMS,
        MANAGER,
        "{name}您好,再次恭喜您拥有新车!磨合期内请将车速保持在60-80公里/小时,避免低挡高速行驶和急刹车,"
        "并请阅读用户手册。{store}客户经理{manager} {manager_phone}",
        "Hello {name}, congratulations again on your new car! While running in, keep to 60-80 km/h, "
        "avoid high revs in low gears and hard braking, and read the owner's manual. {manager}, {store}, "
        "{manager_phone}",
        offset_days=2,
    ),
    Default(
        "new_car_call_1w",
        _("New car: call after one week"),
        T.NEW_CAR_DELIVERED,
        K.NEW_CAR,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的客户经理{manager},方便说几句吗?新车用了一周,使用情况还好吗?有没有不清楚的功能?"
        "交车时的合影已经寄给您,请注意查收。如有亲友想看车,也欢迎介绍给我。",
        "Hello {name}, this is {manager} from {store}; do you have a minute? How has the car been this "
        "first week? Anything you would like explained? The delivery photo is in the post. Friends "
        "looking for a car are welcome to see me.",
        offset_days=7,
    ),
    Default(
        "first_maintenance",
        _("New car: first maintenance reminder"),
        T.NEW_CAR_DELIVERED,
        K.MAINTENANCE,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager}。您的{model}({plate})快到首次保养了,我帮您预约一个方便的时间好吗?",
        "Hello {name}, this is {manager} at {store}. Your {model} ({plate}) is nearly due for its first "
        "maintenance: shall I book a time that suits you?",
        offset_days=80,
    ),
    Default(
        "maintenance_due",
        _("Maintenance due (by months or estimated mileage)"),
        T.MAINTENANCE_DUE,
        K.MAINTENANCE,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager}。按时间和您的行驶里程估算,您的爱车{plate}大约在{due}需要保养,"
        "为免您久等,我帮您预约工位好吗?",
        "Hello {name}, this is {manager} at {store}. By time and your mileage, {plate} is due for "
        "maintenance around {due}. Shall I book you a bay so that you don't wait?",
        offset_days=-7,
        every_months=6,
        every_km=5000,
    ),
    Default(
        "insurance_60",
        _("Insurance renewal: 60 days before expiry"),
        T.INSURANCE_EXPIRY,
        K.INSURANCE,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager}。您的爱车{plate}的保险将于{due}到期,我们可以为您提供续保方案和报价,"
        "出险后在店内维修、代办理赔。需要我为您准备一份方案吗?",
        "Hello {name}, this is {manager} at {store}. The insurance of {plate} expires on {due}. We can "
        "offer a renewal with repairs and claims handled here. Shall I prepare a quote?",
        offset_days=-60,
        marketing=True,
    ),
    Default(
        "insurance_30",
        _("Insurance renewal: 30 days before expiry"),
        T.INSURANCE_EXPIRY,
        K.INSURANCE,
        C.SMS,
        MANAGER,
        "{name},您的爱车{plate}保险将于{due}到期。在{store}续保,出险后可在店内维修、代办理赔。咨询:{manager} {manager_phone}",
        "{name}, the insurance of {plate} expires on {due}. Renew at {store}: repairs and claims "
        "handled here. Ask {manager}, {manager_phone}",
        offset_days=-30,
        marketing=True,
    ),
    Default(
        "insurance_7",
        _("Insurance renewal: 7 days before expiry"),
        T.INSURANCE_EXPIRY,
        K.INSURANCE,
        C.CALL,
        MANAGER,
        "您好{name},提醒您爱车{plate}的保险将于{due}到期,脱保期间出险需自行承担。需要我今天为您办理续保吗?",
        "Hello {name}, a reminder that the insurance of {plate} expires on {due}; an accident while "
        "uninsured is at your own cost. Shall I renew it for you today?",
        offset_days=-7,
        marketing=True,
    ),
    Default(
        "inspection_due",
        _("Annual inspection due in 30 days"),
        T.INSPECTION_DUE,
        K.INSPECTION,
        C.SMS,
        MANAGER,
        "{name},您的爱车{plate}年检将于{due}到期,{store}可代办年检,并可顺便做一次免费检测。咨询:{manager} {manager_phone}",
        "{name}, the annual inspection of {plate} is due on {due}. {store} can take care of it, with a "
        "free check. Ask {manager}, {manager_phone}",
        offset_days=-30,
    ),
    Default(
        "birthday_card",
        _("Birthday card"),
        T.BIRTHDAY,
        K.BIRTHDAY,
        C.CARD,
        MANAGER,
        "{name},祝您生日快乐,万事如意!—— {store} {manager}",
        "{name}, happy birthday and all the best! — {manager}, {store}",
        offset_days=-5,
    ),
    Default(
        "dormant_6m",
        _("Dormant 6 months: invite back (marginal)"),
        T.DORMANT,
        K.DORMANT,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager}。您的爱车已有一段时间没回店了,车辆使用还好吗?"
        "我们现在有免费检测,欢迎您有空回店看看。",
        "Hello {name}, this is {manager} at {store}. Your car has not been in for a while: is it "
        "running well? We offer a free check at the moment; do drop by.",
        every_months=6,
    ),
    Default(
        "dormant_3y",
        _("Not back for 3 years: re-develop (lost)"),
        T.DORMANT,
        K.DORMANT,
        C.VISIT,
        MANAGER,
        "您好{name},我是{store}新任的客户经理{manager},以后由我为您服务。想了解一下您和爱车的近况,"
        "有什么我们能帮上忙的吗?",
        "Hello {name}, I am {manager}, your new customer manager at {store}. How are you and the car "
        "doing, and is there anything we can help with?",
        every_months=36,
    ),
    Default(
        "keep_in_touch_social",
        _("Keep in touch every month (social: frequent)"),
        T.KEEP_IN_TOUCH,
        K.KEEP_IN_TOUCH,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager},最近用车还顺心吗?有什么需要随时找我。",
        "Hello {name}, {manager} from {store} here. Is the car treating you well? Call me any time.",
        every_months=1,
        behaviour_type="social",
    ),
    Default(
        "keep_in_touch_analytical",
        _("Keep in touch every 3 months (analytical: planned)"),
        T.KEEP_IN_TOUCH,
        K.KEEP_IN_TOUCH,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager}。按计划和您确认一下爱车的使用情况和下次保养时间。",
        "Hello {name}, {manager} from {store}. As planned, a word on how your car is doing and when its "
        "next maintenance falls.",
        every_months=3,
        behaviour_type="analytical",
    ),
    Default(
        "keep_in_touch_dominant",
        _("Keep in touch every 6 months (dominant: occasional)"),
        T.KEEP_IN_TOUCH,
        K.KEEP_IN_TOUCH,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager},简短打扰:爱车一切正常吗?有需要直接找我。",
        "Hello {name}, {manager} from {store}, briefly: is the car all right? Call me directly if needed.",
        every_months=6,
        behaviour_type="dominant",
    ),
    Default(
        "complaint_closed_call",
        _("Call 7 days after a complaint is closed"),
        T.COMPLAINT_CLOSED,
        K.COMPLAINT,
        C.CALL,
        MANAGER,
        "您好{name},我是{store}的{manager}。前几天您反映的问题已经处理,想再确认一下现在是否都解决了?",
        "Hello {name}, {manager} from {store}. The matter you raised was dealt with a few days ago: is "
        "everything resolved now?",
        offset_days=7,
    ),
    Default(
        "referral_gift",
        _("Referral: thank-you gift"),
        T.REFERRAL_MADE,
        K.REFERRAL,
        C.GIFT,
        MANAGER,
        "{name},感谢您把朋友介绍给{store}!一份小小的谢礼请您收下。—— {manager}",
        "{name}, thank you for introducing a friend to {store}! Please accept a small gift. — {manager}",
        offset_days=3,
    ),
)


def _full_width(text: str) -> str:
    """Chinese punctuation in the Chinese scripts (written with ASCII marks above for legibility)."""
    return text.translate(
        str.maketrans({",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"})
    )


DEFAULT_RULES = tuple(Default(**{**d.__dict__, "script_zh": _full_width(d.script_zh)}) for d in DEFAULT_RULES)
DEFAULTS = {d.code: d for d in DEFAULT_RULES}
ASSIGNEES = (MANAGER, *Role.values)


def ensure_defaults(group_id: int) -> None:
    """Create the group's plan from the defaults (once; later changes are the group's own)."""
    have = set(TouchRule.objects.filter(group_id=group_id, store=None).values_list("code", flat=True))
    missing = [d for d in DEFAULT_RULES if d.code not in have]
    if not missing:
        return
    with transaction.atomic():
        TouchRule.objects.bulk_create(
            [
                TouchRule(
                    group_id=group_id,
                    store=None,
                    code=d.code,
                    name=_english(d.name)[:100],  # the catalogue's msgid: shown translated
                    trigger=d.trigger,
                    kind=d.kind,
                    offset_days=d.offset_days,
                    offset_hours=d.offset_hours,
                    every_months=d.every_months,
                    every_km=d.every_km,
                    behaviour_type=d.behaviour_type,
                    channel=d.channel,
                    marketing=d.marketing,
                    assignee=d.assignee,
                    script_zh=d.script_zh,
                    script_en=d.script_en,
                )  # fmt: skip
                for d in missing
            ],
            ignore_conflicts=True,
        )


def _english(text) -> str:
    with translation.override("en"):
        return str(text)


def rule_name(rule: TouchRule | None) -> str:
    """A rule's name in the reader's language: the default rules' names are the catalogue's
    (stored in English, translated when shown); a name a store wrote is shown as written."""
    if rule is None:
        return ""
    default = DEFAULTS.get(rule.code)
    if default is not None and rule.name in _names(default):
        # a default's name (plans created before names were kept in English hold the language of the
        # request or command that created them): the reader's language
        return str(default.name)
    return translation.gettext(rule.name) if rule.name else rule.code


def _names(default: Default) -> set[str]:
    names = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names.add(str(default.name)[:100])
    return names


def effective_rules(store, *, trigger: str | None = None, active_only: bool = True) -> list[TouchRule]:
    """The store's plan: the group's rules, each replaced by the store's rule of the same code."""
    ensure_defaults(store.group_id)
    rules = TouchRule.objects.filter(group_id=store.group_id).filter(
        store__isnull=True
    ) | TouchRule.objects.filter(group_id=store.group_id, store=store)
    if trigger:
        rules = rules.filter(trigger=trigger)
    chosen: dict[str, TouchRule] = {}
    for rule in rules.order_by("store_id"):  # NULL (the group's) first on SQLite; see below
        if rule.code not in chosen or rule.store_id is not None:
            chosen[rule.code] = rule
    out = [r for r in chosen.values() if r.active or not active_only]
    return sorted(out, key=lambda r: (r.trigger, r.offset_days, r.offset_hours, r.code))


# --- Scripts ------------------------------------------------------------------------------------


class _Blank(dict):
    def __missing__(self, key):
        return ""


def script_template(rule: TouchRule | None, language: str | None = None) -> str:
    if rule is None:
        return ""
    language = language or translation.get_language() or "zh-hans"
    english = language.startswith("en")
    text = rule.script_en if english else rule.script_zh
    if not text:  # a store that wrote only one language
        text = rule.script_zh or rule.script_en
    return text


def render_script(template: str, values: dict) -> str:
    try:
        return template.format_map(_Blank({k: ("" if v is None else str(v)) for k, v in values.items()}))
    except (ValueError, IndexError):  # a stray brace in a store's own text: shown as written
        return template


def script_values(f: FollowUp) -> dict:
    """What a script is filled with, for one touch (its customer, vehicle, store and manager)."""
    customer, vehicle, store = f.customer, f.vehicle, f.store
    manager = customer.customer_manager if customer.customer_manager_id else f.assigned_to
    due = f.subject_date.isoformat() if f.subject_date else ""
    return {
        "name": customer.salutation, "plate": (vehicle.plate or vehicle.vin) if vehicle else "",
        "model": vehicle.model if vehicle else "", "store": store.name, "phone": store.phone,
        "manager": str(manager) if manager else store.name,
        "manager_phone": (manager.phone if manager else "") or store.phone, "due": due,
    }  # fmt: skip


def script_for(f: FollowUp, language: str | None = None) -> str:
    return render_script(script_template(f.rule, language), script_values(f))
