"""信息公开: anyone, without logging in, reads the centers' public particulars — and nothing more."""

import pytest
from django.urls import reverse

from centers.choices import CenterStatus
from centers.models import ServiceCenter

pytestmark = pytest.mark.django_db


def test_anonymous_reads_the_center_directory(client, demo):
    response = client.get(reverse("disclosure:center_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "青浦区朱家角镇社会组织服务中心" in html
    assert "青浦区社会组织服务中心" in html


def test_anonymous_reads_a_center_with_its_functions(client, demo):
    center = ServiceCenter.objects.get(name="青浦区金泽镇社会组织服务中心")
    response = client.get(reverse("disclosure:center_detail", args=[center.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "金泽镇人民政府" in html  # the supervising unit
    assert "开展信息员培训" in html  # a street/town center's functions, from the policy


def test_a_deregistered_center_is_not_disclosed(client, demo):
    center = ServiceCenter.objects.get(name="青浦区金泽镇社会组织服务中心")
    ServiceCenter.objects.filter(pk=center.pk).update(status=CenterStatus.DEREGISTERED)
    assert client.get(reverse("disclosure:center_detail", args=[center.pk])).status_code == 404
    assert "金泽镇社会组织服务中心" not in client.get(reverse("disclosure:center_list")).content.decode()


def test_search_narrows_the_directory(client, demo):
    html = client.get(reverse("disclosure:center_list"), {"q": "朱家角"}).content.decode()
    assert "朱家角镇社会组织服务中心" in html and "金泽镇社会组织服务中心" not in html


def test_directory_query_count_does_not_grow_with_centers(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # the 5th: the years with a public draw record
        client.get(reverse("disclosure:center_list"))
