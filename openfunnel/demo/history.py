"""The history half of the demo company (a mixin of seed._World): products and pools, each customer's and pool
lead's two years (demo.lives), the follow-ups they imply (through activity_bulk_create, round by round, each
by whoever owned the record then), today's pool columns, and the opportunities and pool history written in
bulk (demo.deals, demo.pools)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from openfunnel.core.bulk import RowWriter

# The first call after a customer came from a pool.
TAKEN_TEXTS = ["从公海领取客户后首次电话联系，重新了解采购需求。", "接手客户后致电采购负责人，介绍自己并约拜访时间。",
               "领取后首次沟通：客户仍有设备更新计划，约下周上门。"]
TAKEN_LEAD_TEXTS = ["从线索公海领取后首次致电，确认联系人和采购意向。", "领取线索后电话联系，客户同意接收产品资料。"]
MANAGER_OF_REGION = {"east": "wang.jl", "south": "li.jl", "north": "zhao.jl"}


class History:
    """Steps of the demo build that tell and write the history; they use _World's rng, now, users and rows."""

    rng: Any
    now: dt.datetime
    progress: Any
    counts: dict[str, int]
    users: dict[str, Any]

    # --- products, pools, and each customer's two years ------------------------------------------
    def catalog_and_pools(self) -> None:
        from openfunnel.demo.deals import create_catalog
        from openfunnel.demo.pools import create_pools
        from openfunnel.sales.models import Stage

        self.progress("products and pools")
        self.products = create_catalog(admin=self.admin)
        quote = Stage.objects.filter(pipeline__name="标准销售流程", name="报价").first()
        self.default_pool, self.region_pool, self.lead_pool = create_pools(
            admin=self.admin, departments=self.departments, exempt_stage=quote)
        self.counts["products"] = len(self.products)

    def lives(self) -> None:
        from openfunnel.demo.lives import Lives
        from openfunnel.demo.pools import REGION
        from openfunnel.demo.seed import REGION_OF_DEPARTMENT, USERS

        self.progress("customers' and pool leads' two years")
        users = {user.pk: user for user in self.users.values()}
        by_region: dict[str, list[Any]] = {}
        for rep in self.reps:
            department = self.rep_department[rep.pk]
            by_region.setdefault(REGION_OF_DEPARTMENT[department], []).append(rep)
        sales = {user.pk for user in self.users.values() if user.role.code in ("rep", "manager")}
        east = {user.pk for username, _n, _r, department, _m in USERS
                if department.startswith("east") for user in [self.users[username]]}
        story = Lives(rng=self.rng, now=self.now, default_pool=self.default_pool, region_pool=self.region_pool,
                      region=REGION, lead_pool=self.lead_pool, reps_by_region=by_region, manager_of=self.manager_of,
                      members={self.default_pool.pk: sales, self.region_pool.pk: east, self.lead_pool.pk: sales})
        self.life_list = [story.live(customer, created, users[customer.owner_id])
                          for customer, created in self.customer_rows]
        # the leads that came in without an owner lie in the lead pool until someone takes them
        self.lead_lives = [story.live_in_pool(lead, self.created_at[("lead", lead.pk)])
                           for lead in self.lead_rows if lead.owner_id is None and lead.status == "new"]

    # --- follow-ups over two years, by whoever owned the customer then -----------------------------
    def follow_ups(self) -> None:
        from openfunnel.activities.services import activity_bulk_create
        from openfunnel.customers.models import Customer
        from openfunnel.leads.models import Lead

        self.progress("follow-ups")
        rounds: list[dict[int, list[Any]]] = []               # per ownership round: author -> follow-ups
        owners: list[dict[tuple[bool, int], int]] = []        # per ownership round: (lead?, id) -> owner
        for life in [*self.life_list, *self.lead_lives]:
            owned_today = bool(life.periods) and not life.in_pool
            for number, period in enumerate(life.periods):
                if len(rounds) <= number:
                    rounds.append({})
                    owners.append({})
                owners[number][(life.lead, life.record.pk)] = period.owner.pk
                current = owned_today and number == len(life.periods) - 1
                for index, occurred in enumerate(period.follow_ups):
                    rounds[number].setdefault(period.owner.pk, []).append(self._follow_up(
                        author=period.owner, occurred=occurred, may_plan=current,
                        target={"lead" if life.lead else "customer": life.record},
                        taken=index == 0 and period.how != "created"))
        owned_leads = [lead for lead in self.lead_rows if lead.owner_id and lead.status != "converted"]
        for index in range(self.n(2000) if owned_leads else 0):
            lead = owned_leads[index % len(owned_leads)]
            start = self.created_at[("lead", lead.pk)]
            span_days = max((self.now - start).total_seconds() / 86400, 0.2)
            occurred = timezone.localtime(self.now - dt.timedelta(days=self.rng.uniform(0.05, span_days))).replace(
                hour=self.rng.randint(9, 18), minute=self.rng.randint(0, 59))
            if occurred > self.now:
                occurred -= dt.timedelta(days=1)
            rounds[0].setdefault(lead.owner_id, []).append(self._follow_up(
                author=lead.owner, occurred=occurred, may_plan=True, target={"lead": lead}))
        # Customers and pool leads pass from owner to owner round by round, and each rep logs their own
        # follow-ups while the record is theirs, oldest first.
        holder = {(False, life.record.pk): life.periods[0].owner.pk for life in self.life_list}
        total, writer = 0, RowWriter()
        for number, by_author in enumerate(rounds):
            for model, lead in ((Customer, False), (Lead, True)):
                writer.update(model, ["owner_id"], [(pk, owner) for (is_lead, pk), owner in owners[number].items()
                                                    if is_lead == lead and holder.get((is_lead, pk)) != owner])
            holder.update(owners[number])
            for rows in by_author.values():
                rows.sort(key=lambda row: row.occurred_at)
                activity_bulk_create(actor=rows[0].author, rows=rows)
                total += len(rows)
            self.progress(f"follow-ups of ownership round {number + 1}: {sum(map(len, by_author.values()))}")
        self.counts["follow_ups"] = total

    def _follow_up(self, *, author: Any, occurred: dt.datetime, may_plan: bool, target: dict[str, Any],
                   taken: bool = False) -> Any:
        from openfunnel.activities.services import FollowUpRow

        from openfunnel.demo.seed import FOLLOW_UP_TEXTS

        kind = self.rng.choices(list(FOLLOW_UP_TEXTS), weights=[5, 2, 1, 1, 3, 1])[0]
        first_call = TAKEN_LEAD_TEXTS if "lead" in target else TAKEN_TEXTS
        content = self.rng.choice(first_call if taken else FOLLOW_UP_TEXTS[kind])
        if taken:
            kind = "call"
        mentions = []
        if self.rng.random() < 0.03:
            department = self.rep_department.get(author.pk, "east")
            manager = self.users[MANAGER_OF_REGION["east" if department.startswith("east") else department]]
            content += f" @{manager.username} 请关注。"
            mentions = [manager]
        # Drawn for every follow-up, so that the sequence does not depend on today's date.
        plans_next, days_ahead, hour = self.rng.random() < 0.5, self.rng.randint(-5, 10), self.rng.randint(9, 17)
        next_at = None
        if may_plan and (self.now - occurred).days < 20 and plans_next:
            next_at = timezone.localtime(self.now + dt.timedelta(days=days_ahead)).replace(
                hour=hour, minute=0, second=0, microsecond=0)
            if next_at <= occurred:
                next_at = None
        return FollowUpRow(author=author, kind=kind, content=content, occurred_at=occurred, next_follow_up_at=next_at,
                           mentions=mentions, **target)

    def ownership(self) -> None:
        """Today's pool columns of the customers and leads that went through a pool (the last pool action's)."""
        from openfunnel.customers.models import Customer
        from openfunnel.demo.pools import final_columns
        from openfunnel.leads.models import Lead

        self.progress("ownership")
        self.final, self.lead_final = {}, {}
        for life in [*self.life_list, *self.lead_lives]:
            columns = final_columns(life)
            if columns:
                (self.lead_final if life.lead else self.final)[life.record.pk] = columns
                life.record.owner_id = columns["owner_id"]
        writer = RowWriter()
        writer.update(
            Customer, ["owner_id", "pool_id", "pool_entered_at", "pool_reason", "previous_owner_id"],
            [(pk, c["owner_id"], c["pool"].pk if c["pool"] else None, c["pool_entered_at"], c["pool_reason"],
              c["previous_owner_id"]) for pk, c in self.final.items()])
        writer.update(Lead, ["owner_id", "updated_at"],
                      [(pk, c["owner_id"], c["updated_at"]) for pk, c in self.lead_final.items()])
        # every claim, assignment, release and reclaim moved the record's version on
        for model, final in ((Customer, self.final), (Lead, self.lead_final)):
            by_actions: dict[int, list[int]] = {}
            for pk, columns in final.items():
                by_actions.setdefault(columns["actions"], []).append(pk)
            for actions, pks in by_actions.items():
                model.objects.filter(pk__in=pks).update(version=F("version") + actions)
        self.counts["customers_in_pools"] = sum(1 for c in self.final.values() if c["owner_id"] is None)
        self.counts["leads_in_pool"] = sum(1 for life in self.lead_lives if life.record.owner_id is None)

    def pool_lead_conversions(self) -> None:
        """Every other lead still held today since a claim or an assignment from the lead pool, called within
        the last ten days, was converted since (halfway from its last call or warning to today), through
        lead_convert: its customer, contact and events, backdated with the customers (self.created_at)."""
        from openfunnel.core.errors import Conflict
        from openfunnel.leads.models import Lead
        from openfunnel.leads.services import lead_convert

        converted = 0
        for index, life in enumerate(self.lead_lives):
            period = life.periods[-1] if life.periods else None
            if period is None or period.end is not None or not period.follow_ups or index % 2:
                continue
            last = max([period.start, *period.follow_ups, *(w.at for w in life.warnings if w.period is period)])
            if self.now - last > dt.timedelta(days=10):
                continue
            at = last + (self.now - last) / 2
            lead = Lead.objects.select_related("owner").get(pk=life.record.pk)
            try:
                result = lead_convert(actor=lead.owner, lead=lead)
            except Conflict:      # the company is a customer already: the lead stays open
                continue
            Lead.objects.filter(pk=lead.pk).update(converted_at=at, updated_at=at)
            self.created_at[("customer", result.customer.pk)] = at
            life.record.status = Lead.Status.CONVERTED
            converted += 1
        self.counts["pool_leads_converted"] = converted
        self.counts["customers"] += converted

    # --- opportunities and the pool history, in bulk ---------------------------------------------
    def opportunities_and_pool_history(self) -> None:
        from openfunnel.customers.models import Contact, Customer
        from openfunnel.demo.deals import Deals, save_sample
        from openfunnel.demo.pools import pool_history
        from openfunnel.pool.services.bulk import PoolBatch
        from openfunnel.sales.models import Opportunity, OpportunityAttachment
        from openfunnel.sales.services.bulk import (
            OpportunityBatch,
            OpportunityRows,
            lost_reason_plans,
            pipeline_plans,
        )

        self.progress("opportunities")
        pipelines = {plan.name: plan for plan in pipeline_plans()}
        contacts: dict[int, list[tuple[int, str]]] = {}
        for customer_id, contact_id, role in (Contact.objects.filter(deleted_at__isnull=True)
                                              .order_by("customer_id", "-is_primary", "id")
                                              .values_list("customer_id", "id", "decision_role")):
            contacts.setdefault(customer_id, []).append((contact_id, role))
        leads = {pk: (lead.pk, lead.source, lead.campaign_id) for pk, lead in self.lead_of_customer.items()}
        deals = Deals(rng=self.rng, now=self.now, standard=pipelines["标准销售流程"], renewal=pipelines["续约/复购流程"],
                      reasons=lost_reason_plans(), products=self.products, contacts=contacts, leads=leads)
        plans = sorted((plan for life in self.life_list for plan in deals.plan(life)), key=lambda p: p.created_at)
        writer = RowWriter()
        ids = {"opportunity": writer.next_id(Opportunity), "attachment": writer.next_id(OpportunityAttachment)}

        def take_id(kind: str) -> int:
            ids[kind] += 1
            return ids[kind] - 1

        for plan in plans:   # ids grow with time, as when people create them one after the other
            plan.id = take_id("opportunity")
        rows = OpportunityRows(now=self.now, take_id=take_id, sample=save_sample(), jobs=True, read_at=self._read_at,
                               managers={pk: manager.pk for pk, manager in self.manager_of.items()})
        batch = OpportunityBatch()
        for plan in plans:
            rows.add(plan, batch)
        # (only deal customers win in the demo, so no customer changes status here; the product would do it)
        became = rows.customers_won(batch, {life.record.pk: (life.record.name, life.record.status)
                                            for life in self.life_list})
        if became:
            writer.update(Customer, ["status", "updated_at"], [(pk, "deal", at) for pk, at in became.items()])
            Customer.objects.filter(pk__in=list(became)).update(version=F("version") + 1)
        self.progress("pool history")
        pool_batch = PoolBatch()
        pool_counts = pool_history(lives=[*self.life_list, *self.lead_lives], plans=plans, now=self.now, read_at=self._read_at,
                                   batch=pool_batch)
        batch.write(writer)
        pool_batch.write(writer)
        writer.reset_sequences([Opportunity, OpportunityAttachment])
        self._follow_ups_on_deals(plans, batch.opportunities, writer)
        statuses = [row.status for row in batch.opportunities]
        self.counts.update({"opportunities": len(plans), "stage_changes": len(batch.stage_changes),
                            "won": statuses.count("won"), "lost": statuses.count("lost"),
                            "open_opportunities": statuses.count("open")})
        self.counts.update({f"pool_{name}": count for name, count in pool_counts.items()})

    def _follow_ups_on_deals(self, plans: list[Any], rows: list[Any], writer: RowWriter) -> None:
        """A follow-up made while its author had an open deal with the customer was logged on that deal (the
        latest opened one): the follow-up and its timeline event name it, as activity_create records it."""
        from openfunnel.activities.models import Activity
        from openfunnel.audit.models import Event

        spans: dict[int, list[tuple[dt.datetime, dt.datetime, int, int]]] = {}
        for plan, row in zip(plans, rows, strict=True):
            spans.setdefault(plan.customer_id, []).append(
                (plan.created_at, row.closed_at or self.now + dt.timedelta(days=1), plan.owner_id, plan.id))
        links = {}
        for pk, customer_id, author_id, occurred in (Activity.objects.filter(customer_id__in=list(spans))
                                                     .values_list("pk", "customer_id", "author_id", "occurred_at")):
            open_deals = [(start, deal) for start, end, owner, deal in spans[customer_id]
                          if owner == author_id and start <= occurred < end]
            if open_deals:
                links[pk] = max(open_deals)[1]
        writer.update(Activity, ["opportunity_id"], list(links.items()))
        writer.update(Event, ["data"], [
            (pk, {**data, "opportunity_id": links[activity]}) for pk, activity, data in
            Event.objects.filter(verb="activity.created", object_type="activity").values_list("pk", "object_id", "data")
            if activity in links])
        self.counts["follow_ups_on_opportunities"] = len(links)

    def _read_at(self, sent: dt.datetime) -> dt.datetime | None:
        """People read their notifications within a day or two; the last few days' are still unread."""
        if self.now - sent < dt.timedelta(days=3):
            return None
        return sent + dt.timedelta(hours=1 + int(sent.timestamp()) % 40)

