from cms.management.commands import setup_haven
from tests.factories import UserFactory


def test_admin_login_page_is_branded_haven(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "Sign in to Haven" in response.content.decode()


def test_staff_user_can_sign_in_to_the_admin(client, db):
    UserFactory(username="editor", is_superuser=True)

    response = client.post(
        "/admin/login/", {"username": "editor", "password": "correct horse"}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_demo_admin_login_is_stable_and_works(db, tmp_path, monkeypatch, client):
    monkeypatch.setattr(setup_haven, "CREDENTIALS_FILE", tmp_path / "credentials")
    command = setup_haven.Command()

    first = command.ensure_demo_admin()
    second = command.ensure_demo_admin()

    assert first == second
    assert client.login(username="admin", password=first)
