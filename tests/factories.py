"""factory_boy factories for the catalog and the division tree."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from catalog.models import CatalogEntry, Channel, Domain, FirstLevelItem, SecondLevelItem


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-12345")
    is_staff = True


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试领域{n}")
    slug = factory.Sequence(lambda n: f"test-domain-{n}")


class FirstLevelItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirstLevelItem

    domain = factory.SubFactory(DomainFactory)
    name = factory.Sequence(lambda n: f"一级事项{n}")


class SecondLevelItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecondLevelItem

    first_level = factory.SubFactory(FirstLevelItemFactory)
    name = factory.Sequence(lambda n: f"二级事项{n}")


class CityEntryFactory(factory.django.DjangoModelFactory):
    """A reference-catalog entry of the division passed in (the city, usually)."""

    class Meta:
        model = CatalogEntry
        skip_postgeneration_save = True

    item = factory.SubFactory(SecondLevelItemFactory)
    content = factory.Sequence(lambda n: f"公开内容{n}")
    basis = "《中华人民共和国政府信息公开条例》"
    time_limit = "信息形成（变更）之日起20个工作日内"
    subject = "市民政局"
    levels = factory.LazyFunction(lambda: [{"level": "县级", "channels": ["政府网站"]}])

    @factory.post_generation
    def channels(self, create, extracted, **kwargs):
        if not create:
            return
        self.channels.set(extracted or Channel.objects.filter(name="政府网站"))
