"""Personas shared by every test: one small company with each role and two departments of reps.

    HQ (dora: director, root: admin)
    ├── Sales East (mike: manager)
    │   └── East Team 1 (alice, bob: reps)
    ├── Sales North (carol: rep)
    └── Finance (fiona: finance)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openfunnel.accounts.bootstrap import ensure_builtin_roles
from openfunnel.accounts.models import Department, User

PASSWORD = "secret-pass-1"


@dataclass
class Personas:
    admin: User
    director: User
    manager: User
    alice: User
    bob: User
    carol: User
    finance: User
    hq: Department
    east: Department
    east_team: Department
    north: Department
    finance_dept: Department

    def all(self) -> dict[str, User]:
        return {"admin": self.admin, "director": self.director, "manager": self.manager, "alice": self.alice,
                "bob": self.bob, "carol": self.carol, "finance": self.finance}


def make_personas() -> Personas:
    roles = ensure_builtin_roles()
    hq = Department.objects.create(name="HQ")
    east = Department.objects.create(name="Sales East", parent=hq)
    east_team = Department.objects.create(name="East Team 1", parent=east)
    north = Department.objects.create(name="Sales North", parent=hq)
    finance_dept = Department.objects.create(name="Finance", parent=hq)

    def user(username: str, name: str, role: str, department: Department, manager: Any = None) -> User:
        created = User.objects.create_user(username=username, password=PASSWORD, name=name, role=roles[role],
                                           department=department, manager=manager,
                                           email=f"{username}@example.com")
        return created

    admin = user("root", "Root Admin", "admin", hq)
    director = user("dora", "Dora Director", "director", hq)
    manager = user("mike", "Mike Manager", "manager", east, director)
    return Personas(
        admin=admin, director=director, manager=manager,
        alice=user("alice", "Alice Rep", "rep", east_team, manager),
        bob=user("bob", "Bob Rep", "rep", east_team, manager),
        carol=user("carol", "Carol Rep", "rep", north, director),
        finance=user("fiona", "Fiona Finance", "finance", finance_dept, director),
        hq=hq, east=east, east_team=east_team, north=north, finance_dept=finance_dept,
    )


# Valid unified social credit codes (check digit included) for tests and the demo.
VALID_USCC = ["91350100M000100Y43", "91440300MA5DC0XL1B", "91330100MA2H0Y4P35"]
