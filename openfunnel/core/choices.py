"""Choice lists shared by several apps."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    TRADE_SHOW = "trade_show", _("Trade show")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    WECHAT = "wechat", _("WeChat")
    CAMPAIGN = "campaign", _("Campaign")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    ELECTRONICS = "electronics", _("Electronics")
    MACHINERY = "machinery", _("Machinery")
    CHEMICALS = "chemicals", _("Chemicals")
    TEXTILES = "textiles", _("Textiles")
    CONSTRUCTION = "construction", _("Construction")
    LOGISTICS = "logistics", _("Logistics")
    RETAIL = "retail", _("Retail and wholesale")
    SOFTWARE = "software", _("Software and IT")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    FINANCE = "finance", _("Finance")
    FOOD = "food", _("Food and beverage")
    ENERGY = "energy", _("Energy")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    MICRO = "1-20", _("1–20 employees")
    SMALL = "21-100", _("21–100 employees")
    MEDIUM = "101-500", _("101–500 employees")
    LARGE = "501-1000", _("501–1000 employees")
    ENTERPRISE = "1000+", _("More than 1000 employees")
