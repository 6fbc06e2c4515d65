from openfunnel.catalog.models import Product


def test_product_pages_for_admin(personas, web_as):
    browser = web_as(personas.admin)
    assert browser.get("/products/new/").status_code == 200
    invalid = browser.post("/products/new/", {"code": "", "name": "Pump", "price": "1"})
    assert invalid.status_code == 400 and not Product.objects.exists()
    created = browser.post("/products/new/", {"code": "P1", "name": "Pump", "price": "10", "is_active": "on"})
    assert created.status_code == 302
    product = Product.objects.get()
    assert b"Pump" in browser.get("/products/").content
    duplicate = browser.post("/products/new/", {"code": "p1", "name": "Other", "price": "1"})
    assert duplicate.status_code == 400 and b"Another product already has this code" in duplicate.content
    assert browser.post(f"/products/{product.pk}/", {"code": "P1", "name": "Pump 2", "price": "12"}).status_code == 302
    product.refresh_from_db()
    assert product.name == "Pump 2" and not product.is_active


def test_rep_sees_a_read_only_product_page(personas, web_as):
    product = Product.objects.create(code="P1", name="Pump")
    browser = web_as(personas.alice)
    assert browser.get("/products/").status_code == 200
    page = browser.get(f"/products/{product.pk}/")
    assert page.status_code == 200 and b'data-testid="product-detail"' in page.content
    assert browser.get("/products/new/").status_code == 403
    assert browser.post(f"/products/{product.pk}/", {"code": "P1", "name": "Hacked"}).status_code == 200
    product.refresh_from_db()
    assert product.name == "Pump"
    assert browser.get("/products/999999/").status_code == 404
