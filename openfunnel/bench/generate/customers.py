"""One customer and its history: contacts, tags, collaborators, follow-ups with the reminder of the
latest planned one, and the events the services write for each (customer_create, contact_create,
customer_share, activity_create)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.urls import reverse

from openfunnel.bench.generate.rows import (
    ActivityRow,
    Batch,
    ContactRow,
    CustomerRow,
    EventRow,
    NotificationRow,
    ReminderRow,
    ShareRow,
    TagLinkRow,
)
from openfunnel.bench.generate.values import (
    DAY,
    DECISION_ROLES,
    DISTRICTS,
    KIND_PICK,
    SHARE_RATE,
    SIZES,
    SOURCES,
    STATUS_PICK,
    TAG_NAMES,
    TAG_RATE,
    Person,
    company_name,
    encode,
    phone_digits,
)
from openfunnel.customers.dedup import normalize_company, normalize_email
from openfunnel.demo import names

if TYPE_CHECKING:
    from openfunnel.bench.generate.company import Generator


@dataclass
class CustomerRef:
    """What the opportunities of a customer need to know about it."""

    id: int
    owner_id: int
    created: float
    name: str
    contact_id: int
    contact_role: str
    until: float | None = None   # when the first owner lost it to a pool (its opportunities come before)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def add_customer(gen: Generator, serial: int, total: int, batch: Batch) -> CustomerRef:
    """Appends the `serial`-th of `total` customers and its history to `batch`."""
    rng, at = gen.rng, gen.at
    cid = gen.take_id("customer")
    owner = gen.reps[int(rng.random() * len(gen.reps))]
    # ids grow with creation time, as they do when people create customers one after the other
    created = gen.start_ts + (serial + rng.random()) / total * (gen.now_ts - 2 * DAY - gen.start_ts)
    created_at = at(created)
    name, city, industry = company_name(serial)
    phone = phone_digits(3 * serial)
    phone_text = f"{phone[:3]} {phone[3:7]} {phone[7:]}"      # typed with spaces; the key is the digits
    email = f"sales{serial}@c{serial}.example.cn" if rng.random() < 0.4 else ""
    uscc = names.uscc_for(city[1], serial + 1) if rng.random() < 0.7 else ""
    lat = Decimal(f"{22.5 + rng.uniform(0, 17):.6f}")
    lng = Decimal(f"{113.0 + rng.uniform(0, 8):.6f}")
    level = gen.level_pick.pick(rng) if gen.levels else None
    status = STATUS_PICK.pick(rng)
    size = SIZES[int(rng.random() * len(SIZES))]
    source = SOURCES[int(rng.random() * len(SOURCES))]
    region = f"{city[2]}/{city[0]}"
    address = f"{city[0]}市{DISTRICTS[int(rng.random() * len(DISTRICTS))]}{rng.randint(1, 999)}号"
    website = f"www.c{serial}.example.cn" if rng.random() < 0.3 else ""
    tags = sorted(rng.sample(TAG_NAMES, rng.choice([1, 1, 2]))) if rng.random() < TAG_RATE else []

    # contacts: the first one is primary (contact_create); every other customer has a second one
    contacts: list[tuple[int, str]] = []
    for number in range(2 if serial % 2 else 1):
        contact_id = gen.take_id("contact")
        contact_phone = phone_digits(3 * serial + 1 + number)   # an 11-digit mobile number is its own key
        contact_email = f"p{serial}x{number}@c{serial}.example.cn" if rng.random() < 0.5 else ""
        role = DECISION_ROLES[int(rng.random() * len(DECISION_ROLES))]
        person = names.person_name(rng)
        title = names.TITLES[int(rng.random() * len(names.TITLES))]
        wechat = f"wx_{serial}_{number}" if rng.random() < 0.5 else ""
        birthday = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(12000)) if rng.random() < 0.3 else None
        contact_at = at(created + 60 * (number + 1))
        batch.contacts.append(ContactRow(
            id=contact_id, customer_id=cid, name=person, title=title, phone=contact_phone, phone_key=contact_phone,
            email=contact_email, email_key=normalize_email(contact_email), wechat=wechat, birthday=birthday,
            decision_role=role, is_primary=number == 0, created_at=contact_at, updated_at=contact_at))
        batch.events.append(EventRow(
            at=contact_at, actor_id=owner.id, verb="contact.created", object_type="contact", object_id=contact_id,
            object_repr=person, customer_id=cid, changes="{}", data=encode({
                "customer": cid, "name": person, "title": title, "phone": contact_phone, "email": contact_email,
                "wechat": wechat, "birthday": birthday.isoformat() if birthday else None, "decision_role": role,
                "is_primary": number == 0, "notes": ""})))
        contacts.append((contact_id, role))

    # follow-ups, oldest first; the latest one may plan the next (a reminder, and the customer's next time)
    count = gen.paired(serial, total, 10, "follow_ups")
    times = sorted(rng.uniform(created + 3600, gen.now_ts - 3600) for _ in range(count))
    last = planned = None
    for number, moment in enumerate(times):
        activity_id = gen.take_id("activity")
        kind = KIND_PICK.pick(rng)
        content, content_json, label = gen.follow_up_texts[kind][int(rng.random() * len(gen.follow_up_texts[kind]))]
        occurred = at(moment)
        planned = None
        if number == count - 1 and gen.now_ts - moment < 45 * DAY and rng.random() < 0.6:
            planned = at(moment + rng.randint(1, 20) * DAY).replace(hour=rng.randint(9, 17), minute=0, second=0,
                                                                    microsecond=0)
        batch.activities.append(ActivityRow(
            id=activity_id, kind=kind, content=content, occurred_at=occurred, author_id=owner.id, customer_id=cid,
            contact_id=contacts[0][0] if rng.random() < 0.5 else None, next_follow_up_at=planned,
            created_at=occurred, updated_at=occurred))
        if planned is not None:
            batch.reminders.append(ReminderRow(
                user_id=owner.id, due_at=planned, message=(gen.follow_up_message % {"name": name})[:300],
                customer_id=cid, activity_id=activity_id, task_id=None, created_at=occurred))
        # the keys the 360° timeline renders (activities.services.follow_ups._event_data), assembled from
        # pre-encoded pieces because this is the generator's hottest line
        batch.events.append(EventRow(
            at=occurred, actor_id=owner.id, verb="activity.created", object_type="activity", object_id=activity_id,
            object_repr=label, customer_id=cid, changes="{}",
            data=f'{{"kind": "{kind}", "content": {content_json}, "activity_id": {activity_id}, "occurred_at": '
                 f'"{occurred.isoformat()}", "author_name": {owner.name_json}, "attachments": []}}'))
        last = occurred
    gen.count("follow_ups", count)
    gen.count("reminders", 1 if planned is not None else 0)

    story = gen.pools.story(batch, cid=cid, name=name, owner=owner, level=level, created_at=created_at, last=last,
                            planned=planned)
    batch.customers.append(CustomerRow(
        id=cid, name=name, name_key=normalize_company(name), uscc=uscc, industry=industry, size=size, region=region,
        address=address, lat=lat, lng=lng, phone=phone_text, phone_key=phone, email=email,
        email_key=normalize_email(email), website=website, level_id=level, source=source, owner_id=story.owner_id,
        owner_since=story.owner_since, status=status, last_follow_up_at=last, next_follow_up_at=planned,
        created_by_id=owner.id, created_at=created_at, updated_at=story.updated_at, pool_id=story.pool_id,
        pool_entered_at=story.pool_entered_at, pool_reason=story.pool_reason,
        previous_owner_id=story.previous_owner_id, version=story.version))
    data = {"name": name, "uscc": uscc, "industry": industry, "size": size, "region": region, "address": address,
            "lat": _money(lat), "lng": _money(lng), "phone": phone_text, "email": email, "website": website,
            "level": level, "source": source, "campaign": None, "owner": owner.id, "status": status, "notes": ""}
    if tags:
        data["tags"] = tags
        batch.tag_links.extend(TagLinkRow(cid, gen.tags[tag]) for tag in tags)
        gen.count("customer_tags", len(tags))
    batch.events.append(EventRow(
        at=created_at, actor_id=owner.id, verb="customer.created", object_type="customer", object_id=cid,
        object_repr=name[:200], customer_id=cid, changes="{}", data=encode(data)))
    if rng.random() < SHARE_RATE:
        _share(gen, batch, cid, name, owner, created)
    gen.count("customers")
    gen.count("contacts", len(contacts))
    return CustomerRef(id=cid, owner_id=owner.id, created=created, name=name, contact_id=contacts[0][0],
                       contact_role=contacts[0][1], until=story.until)


def _share(gen: Generator, batch: Batch, cid: int, name: str, owner: Person, created: float) -> None:
    """The owner shares the customer with a team mate (customer_share: the row, the event, the notice)."""
    rng = gen.rng
    owner_id, owner_name, team = owner.id, owner.name, owner.team
    mates = [p for p in gen.team_reps[team] if p.id != owner_id] or [p for p in gen.reps if p.id != owner_id]
    other = mates[int(rng.random() * len(mates))]
    can_edit = rng.random() < 0.3
    shared = gen.at(min(created + rng.uniform(1, 60) * DAY, gen.now_ts - 3600))
    batch.shares.append(ShareRow(customer_id=cid, user_id=other.id, can_edit=can_edit, created_at=shared))
    batch.events.append(EventRow(
        at=shared, actor_id=owner_id, verb="customer.shared", object_type="customer", object_id=cid,
        object_repr=name[:200], customer_id=cid, changes="{}",
        data=encode({"user": other.id, "user_name": other.name, "can_edit": can_edit})))
    read = shared + dt.timedelta(days=1) if gen.now_ts - shared.timestamp() > 7 * DAY else None
    batch.notifications.append(NotificationRow(
        recipient_id=other.id, kind="share", message=gen.share_messages[can_edit] % {"actor": owner_name, "name": name},
        object_type="customer", object_id=cid, url=reverse("customers:detail", args=[cid]), actor_id=owner_id,
        read_at=read, created_at=shared))
    gen.count("shares")
