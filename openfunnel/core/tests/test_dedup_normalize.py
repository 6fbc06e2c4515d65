import pytest

from openfunnel.core.errors import ValidationFailed
from openfunnel.core.testing import VALID_USCC
from openfunnel.customers.dedup import clean_phone, clean_uscc, normalize_company, normalize_phone, uscc_is_valid


@pytest.mark.parametrize("a,b", [
    ("上海星辰科技有限公司", " 上海星辰科技 "),
    ("上海星辰科技股份有限公司", "上海星辰科技有限责任公司"),
    ("ＡＢＣ　Ｔｒａｄｉｎｇ Co., Ltd.", "abc trading"),
    ("Acme Machinery Company Limited", "ACME MACHINERY"),
    ("杭州（滨江）云图有限公司", "杭州滨江云图"),
])
def test_company_names_that_are_the_same_company_normalize_alike(a: str, b: str) -> None:
    assert normalize_company(a) == normalize_company(b)


def test_different_companies_stay_different() -> None:
    assert normalize_company("上海星辰科技有限公司") != normalize_company("上海星辰电子有限公司")
    assert normalize_company("公司") == "公司"  # a bare suffix is not stripped to nothing


@pytest.mark.parametrize("raw,key", [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086-138-0013-8000", "13800138000"),
    ("86 13800138000", "13800138000"),
    ("(010) 6552-9988", "01065529988"),
    ("+86 10 6552 9988", "01065529988"),
    ("0571-88886666 转 801", "057188886666"),
    ("+1 415 555 0100", "+14155550100"),
])
def test_phone_forms_normalize_to_one_key(raw: str, key: str) -> None:
    assert normalize_phone(raw) == key


def test_not_a_phone_is_refused_with_a_field_error() -> None:
    with pytest.raises(ValidationFailed) as error:
        clean_phone("call me maybe")
    assert "phone" in error.value.fields


def test_uscc_check_digit() -> None:
    for code in VALID_USCC:
        assert uscc_is_valid(code)
    assert not uscc_is_valid("91350100M000100Y44")  # wrong check character
    assert not uscc_is_valid("91350100M000100Y4")   # too short
    assert clean_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    with pytest.raises(ValidationFailed):
        clean_uscc("91350100M000100Y44")
