"""The channels behind the one interface: each provider's fake verifies the request's signature
with the secret and the registered template's parameters; e-mail goes to a real SMTP server on
loopback."""

import json
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from dms.customers.models import Customer
from dms.messaging import signing
from dms.messaging.models import ChannelConfig, Message, Recipient, State
from dms.messaging.services import message_queue

from .conftest import STATUS, aliyun_config, at, tencent_config, wechat_config


def queue(store, customer, **kw):
    args = {"channel": "sms", "purpose": "service", "kind": "status_link", "params": STATUS} | kw
    return message_queue(store=store, customer=customer, **args)


def reload(message) -> Message:
    return Message.objects.get(pk=message.pk)


# --- Signatures, against the providers' documented examples ---------------------------------------


def test_the_alibaba_cloud_signature_matches_the_documented_example():
    # help.aliyun.com "短信服务 > 签名机制" (document 101343): testId / testSecret, SendSms, GET.
    params = {
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "AccessKeyId": "testId", "SignatureVersion": "1.0", "Timestamp": "2017-07-12T02:42:19Z", "Format": "XML",
        "Action": "SendSms", "Version": "2017-05-25", "RegionId": "cn-hangzhou", "PhoneNumbers": "15300000001",
        "SignName": "阿里云短信测试专用", "TemplateParam": '{"customer":"test"}', "TemplateCode": "SMS_71390007",
        "OutId": "123",
    }  # fmt: skip

    assert signing.aliyun_canonical_query(params).startswith(
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
        "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    )
    assert signing.aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_alibaba_clouds_percent_encoding_keeps_tilde_and_encodes_space_and_star():
    assert signing.percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


def test_the_tencent_cloud_signature_matches_the_documented_example():
    # cloud.tencent.com API 3.0 "签名方法 v3": CVM DescribeInstances, timestamp 1551113065.
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'

    signature, signed = signing.tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", service="cvm", timestamp=1551113065,
        headers={"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"},
        payload=payload,
    )  # fmt: skip

    assert signed == "content-type;host"
    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_the_tencent_authorization_header_names_the_credential_scope():
    header = signing.tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm", timestamp=1551113065,
        headers={"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"},
        payload=b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    )  # fmt: skip

    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


# --- SMS: Alibaba Cloud ---------------------------------------------------------------------------


def test_alibaba_cloud_gets_a_correctly_signed_request_with_the_templates_parameters(
    store, customer, clock, send, aliyun
):
    aliyun_config(store, aliyun)
    message = queue(store, customer)

    send()

    assert aliyun.sent == [
        {
            "phone": "13812345678", "sign": "深圳一店", "template": "SMS_100001",
            "params": {"name": "张先生", "plate": "粤B12345", "number": "SZ01-2026-00001",
                       "url": "https://dms.example.cn/c/s/abc/"},
            "out_id": f"odms-{message.pk}", "biz_id": "biz-1", "at": aliyun.sent[0]["at"], "day": "20260504",
        }
    ]  # fmt: skip
    assert reload(message).state == State.SENT and reload(message).provider == "aliyun"


def test_template_variables_can_be_named_as_registered(store, customer, clock, send, aliyun):
    aliyun.templates["SMS_200002"] = ["customer", "car", "ro", "link"]
    aliyun_config(store, aliyun)
    config = ChannelConfig.objects.get(store=store)
    config.settings["templates"]["status_link"] = {
        "code": "SMS_200002", "params": {"customer": "name", "car": "plate", "ro": "number", "link": "url"},
    }  # fmt: skip
    config.save()
    queue(store, customer)

    send()

    assert aliyun.sent[0]["params"] == {
        "customer": "张先生", "car": "粤B12345", "ro": "SZ01-2026-00001", "link": "https://dms.example.cn/c/s/abc/"
    }  # fmt: skip


def test_a_wrong_secret_is_refused_by_the_fake_as_by_alibaba_cloud(store, customer, clock, send, aliyun):
    aliyun_config(store, aliyun, access_key_secret="not-the-secret")
    message = queue(store, customer)

    send()

    assert not aliyun.sent
    assert reload(message).state == State.FAILED
    assert reload(message).reason == "aliyun: SignatureDoesNotMatch Specified signature is not matched."


# --- SMS: Tencent Cloud ---------------------------------------------------------------------------


def test_tencent_cloud_gets_a_correctly_signed_request_with_the_parameters_in_order(
    store, customer, clock, send, tencent
):
    tencent_config(store, tencent)
    message = queue(store, customer)

    send()

    assert tencent.sent == [
        {"phone": "+8613812345678", "template": "2000001", "sign": "深圳一店", "session": f"odms-{message.pk}",
         "params": ["张先生", "粤B12345", "SZ01-2026-00001", "https://dms.example.cn/c/s/abc/"]}
    ]  # fmt: skip
    request = tencent.requests[0]["headers"]
    assert request["x-tc-action"] == "SendSms" and request["x-tc-version"] == "2021-01-11"
    assert request["x-tc-region"] == "ap-guangzhou"
    assert reload(message).state == State.SENT and reload(message).provider_message_id == "serial-1"


def test_a_tencent_template_with_the_wrong_number_of_parameters_fails_with_the_reason(
    store, customer, clock, send, tencent
):
    config = tencent_config(store, tencent)
    config.settings["templates"]["status_link"]["params"] = ["name", "plate"]
    config.save()
    message = queue(store, customer)

    send()

    assert not tencent.sent and reload(message).state == State.FAILED
    assert (
        reload(message).reason
        == "tencent: InvalidParameterValue.TemplateParameterFormatError 模板参数格式错误"
    )


def test_a_wrong_tencent_key_fails_the_signature_check(store, customer, clock, send, tencent):
    config = tencent_config(store, tencent)
    config.settings["secret_key"] = "wrong"
    config.save()
    message = queue(store, customer)

    send()

    assert not tencent.sent and reload(message).state == State.FAILED
    assert reload(message).reason.startswith("tencent: AuthFailure.SignatureFailure")


# --- WeChat ---------------------------------------------------------------------------------------


@pytest.fixture
def linked(customer):
    Recipient.objects.create(customer=customer, wechat_openid="o-openid-zhang")
    return customer


def test_a_wechat_template_message_reaches_the_linked_openid_with_its_link(
    store, linked, clock, send, wechat
):
    wechat_config(store, wechat)
    message = queue(store, linked, channel="wechat")

    send()

    assert wechat.sent == [
        {"openid": "o-openid-zhang", "template": "TPL-STATUS", "url": "https://dms.example.cn/c/s/abc/",
         "client_msg_id": f"odms-{message.pk}",
         "data": {"first": {"value": "张先生"}, "car": {"value": "粤B12345"}, "number": {"value": "SZ01-2026-00001"}}}
    ]  # fmt: skip
    assert reload(message).state == State.SENT and reload(message).provider_message_id == "1000"


def test_the_wechat_access_token_is_kept_until_it_expires(store, linked, clock, send, wechat):
    config = wechat_config(store, wechat)
    for moment in (at(10), at(10, 30), at(11)):
        clock.move_to(moment)
        queue(store, linked, channel="wechat")
        send()
    assert wechat.token_requests == 1

    clock.move_to(at(12, 0))  # 7200 s after, less the margin of five minutes
    queue(store, linked, channel="wechat")
    send()

    assert wechat.token_requests == 2 and len(wechat.sent) == 4
    config.refresh_from_db()
    assert config.access_token == "TOKEN-2" and config.access_token_expires_at == at(13, 55)


def test_a_token_wechat_no_longer_accepts_is_fetched_again(store, linked, clock, send, wechat):
    wechat_config(store, wechat)
    queue(store, linked, channel="wechat")
    send()
    wechat.expire_tokens()  # e.g. the secret was reset in the Official Account's console

    message = queue(store, linked, channel="wechat")
    send()

    assert reload(message).state == State.SENT and wechat.token_requests == 2


# --- E-mail over SMTP -----------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


def test_an_email_reaches_the_smtp_server_with_a_chinese_subject_and_body(
    store, customer, clock, send, smtp, settings
):
    settings.DMS_PUBLIC_BASE_URL = "https://dms.example.cn"
    Customer.objects.filter(pk=customer.pk).update(email="zhang@example.cn")
    customer.refresh_from_db()
    ChannelConfig.objects.create(store=store, channel="email", provider="smtp",
                                 settings={"from": "深圳一店 <service@sz01.example.cn>"})  # fmt: skip
    message = queue(store, customer, channel="email")

    send()

    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["zhang@example.cn"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"].strip() == "【深圳一店】关于您的爱车 粤B12345"  # Django folds it onto its own line
    body = mail.get_content()
    assert "张先生您好，您的爱车 粤B12345 已在我店接车" in body
    assert "您作为深圳一店的客户收到此邮件。如不想再收到，请点击退订：https://dms.example.cn/m/u/" in body
    assert mail["List-Unsubscribe"].strip().startswith("<https://dms.example.cn/m/u/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Message-ID"].strip() == f"<odms-{message.pk}@sz01.example.cn>"
    assert reload(message).state == State.SENT and reload(message).provider == "smtp"


def test_an_smtp_server_that_is_down_is_retried(store, customer, clock, send, settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    Customer.objects.filter(pk=customer.pk).update(email="zhang@example.cn")
    customer.refresh_from_db()
    ChannelConfig.objects.create(store=store, channel="email", provider="smtp", settings={})
    message = queue(store, customer, channel="email")

    send()

    message = reload(message)
    assert message.state == State.QUEUED and message.last_error.startswith("smtp: ")
    assert message.next_attempt_at == at(10) + timedelta(minutes=1)


def test_webhook_signature_is_the_hex_hmac_sha256_of_the_body():
    body = json.dumps({"id": 1}).encode()

    assert signing.webhook_signature(body, "s3cret") == (
        "sha256=" + __import__("hmac").new(b"s3cret", body, "sha256").hexdigest()
    )


# --- Delivery reports -----------------------------------------------------------------------------


def test_alibaba_clouds_delivery_report_marks_the_text_delivered(
    store, customer, clock, send, aliyun, client
):
    config = aliyun_config(store, aliyun)
    message = queue(store, customer)
    send()

    r = client.post(
        f"/m/sms/reports/{config.pk}/replies-token/",
        json.dumps([{"phone_number": "13812345678", "send_time": "2026-05-04 10:00:00",
                     "report_time": "2026-05-04 10:00:05", "success": True, "err_code": "DELIVERED",
                     "err_msg": "用户接收成功", "sms_size": "1", "biz_id": "biz-1", "out_id": f"odms-{message.pk}"}]),
        content_type="application/json",
    )  # fmt: skip

    assert r.json() == {"code": 0, "msg": "成功"}
    message = reload(message)
    assert message.state == State.DELIVERED and message.delivered_at == at(10)


def test_tencent_clouds_report_of_a_text_not_delivered_fails_it_with_the_carriers_words(
    store, customer, clock, send, tencent, client
):
    config = tencent_config(store, tencent)
    message = queue(store, customer)
    send()

    client.post(
        f"/m/sms/reports/{config.pk}/replies-token/",
        json.dumps([{"user_receive_time": "2026-05-04 10:00:09", "nationcode": "86", "mobile": "13812345678",
                     "report_status": "FAIL", "errmsg": "MK:0005", "description": "用户手机停机", "sid": "serial-1"}]),
        content_type="application/json",
    )  # fmt: skip

    message = reload(message)
    assert message.state == State.FAILED and message.reason == "运营商未能送达：用户手机停机"


def test_a_report_of_another_stores_message_changes_nothing(
    store, second_store, customer, clock, send, aliyun, client
):
    aliyun_config(store, aliyun)
    theirs = aliyun_config(second_store, aliyun)
    message = queue(store, customer)
    send()

    client.post(f"/m/sms/reports/{theirs.pk}/replies-token/",
                json.dumps([{"success": True, "out_id": f"odms-{message.pk}"}]), content_type="application/json")  # fmt: skip

    assert reload(message).state == State.SENT
