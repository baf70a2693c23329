"""The messaging admin for the group's administrator: each store's providers (keys and template
codes: kept in the database for now), quiet hours, and the webhook subscriptions with why one was
paused (and an action to resume it)."""

import secrets

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dms.core.admin import GroupScopedAdmin

from . import links, webhooks
from .models import ChannelConfig, MessagingSettings, WebhookDelivery, WebhookSubscription


class StoreScopedAdmin(GroupScopedAdmin):
    group_path = "store__group"


@admin.register(ChannelConfig)
class ChannelConfigAdmin(StoreScopedAdmin):
    list_display = ("store", "channel", "provider", "active", "updated_at")
    list_filter = ("channel", "provider", "active")
    fields = ("store", "channel", "provider", "active", "settings", "callbacks")
    readonly_fields = ("callbacks",)

    @admin.display(description=_("callback URLs for the SMS provider's console"))
    def callbacks(self, obj):
        if not obj.pk or obj.channel != "sms" or not obj.inbound_token:
            return "—"
        replies = links.public_url(reverse("messaging:inbound_sms", args=[obj.pk, obj.inbound_token]))
        reports = links.public_url(reverse("messaging:delivery_reports", args=[obj.pk, obj.inbound_token]))
        return format_html(
            "{}<br>{}<br>{}<br>{}", _("Replies (退订):"), replies, _("Delivery reports:"), reports
        )

    def save_model(self, request, obj, form, change):
        if not obj.inbound_token:
            obj.inbound_token = secrets.token_urlsafe(24)
        super().save_model(request, obj, form, change)


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(StoreScopedAdmin):
    list_display = ("store", "quiet_start", "quiet_end")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = (
        "event",
        "state",
        "attempts",
        "response_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-event_id",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(GroupScopedAdmin):
    list_display = ("url", "active", "paused_reason", "consecutive_failures", "failing_since", "created_at")
    list_filter = ("active",)
    fields = (
        "url",
        "events",
        "active",
        "paused_reason",
        "paused_at",
        "consecutive_failures",
        "failing_since",
    )
    readonly_fields = fields  # resumed by its action, changed through the API
    inlines = [DeliveryInline]
    actions = ["resume"]

    def has_add_permission(self, request):
        return False  # subscriptions are made through the API, which shows the secret once

    @admin.action(description=_("Resume the selected subscriptions"))
    def resume(self, request, queryset):
        count = 0
        for subscription in queryset:
            webhooks.webhook_resume(subscription=subscription)
            count += 1
        self.message_user(
            request, ngettext("%(n)d subscription resumed.", "%(n)d subscriptions resumed.", count) % {"n": count},
            messages.SUCCESS,
        )  # fmt: skip
