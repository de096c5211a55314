{#-
    Every accepted decision_events landing row, checked against the rules the `stockops queue` CLI
    applies (stockops/queue/actions.py reads the same seeds), so a landed event cannot do what an
    owner could not do through the CLI. rejection_reason is null for an event that may be applied;
    otherwise the event is quarantined (stg_landing__quarantine) and never applied:
      - stale version: a newer version of the decision had been detected when the event occurred;
      - the system actor (var auto_actor_id) may only approve and execute what an
        auto_execution_policy rule allows for the decision's type and value at stake;
      - assigned and escalated are system events: the actor needs role `system`;
      - unknown actor: in neither actor_roles nor category_owners, nor named on the decision;
      - approved, rejected, reversed need a role approval_authority authorises for the type and value,
        held in a scope (actor_roles.category_id / location_id) that covers the decision; the owner
        may reverse what the system actor executed under a rule within its reverse_window_hours;
      - acknowledged, snoozed, executed: the owner, the escalation owner or an approver;
      - four-eyes: above approval_authority.four_eyes_above the owner may not approve their own decision;
      - the transition: decision_transitions must allow the event from the state the version's
        earlier accepted events reached (replayed in occurred_at, event_id order).
    Events of a version stockops has no record of, and events that never change state (commented,
    proposed, superseded, withdrawn), are passed through unchecked: they change no state.
-#}
{%- set auto_actor = var('auto_actor_id') %}

with recursive

events as (

    select * from {{ ref('stg_landing__decision_events') }}

),

transitions as (

    select * from {{ ref('decision_transitions') }}

),

authority as (

    select * from {{ ref('approval_authority') }}

),

actor_roles as (

    select * from {{ ref('actor_roles') }}

),

category_owners as (

    select * from {{ ref('category_owners') }}

),

auto_rules as (

    select * from {{ ref('auto_execution_policy') }}

),

products as (

    select * from {{ ref('stg_landing__products') }}

),

recorded_versions as (

    select * from {{ ref('int_decision_versions') }}

),

versions as (

    -- one row per decision version: its first record (a withdrawal repeats the version later)
    select
        recorded_versions.decision_id,
        recorded_versions.decision_version,
        recorded_versions.decision_type,
        recorded_versions.value_at_stake,
        recorded_versions.owner_id,
        recorded_versions.escalation_owner_id,
        recorded_versions.location_id,
        products.category_id,
        recorded_versions.detected_at
    from recorded_versions
    left join products on recorded_versions.sku_id = products.sku_id
    qualify row_number() over (
        partition by recorded_versions.decision_id, recorded_versions.decision_version
        order by recorded_versions.change_kind = 'withdrawn', recorded_versions.detected_at
    ) = 1

),

approval_rules as (

    -- per version: its type's approval_authority rows, or the 'default' rows for a type without any
    select
        versions.decision_id,
        versions.decision_version,
        authority.approver_role,
        coalesce(authority.max_value_at_stake, 'infinity'::double) as band_top,
        authority.four_eyes_above
    from versions
    inner join authority
        on
            versions.decision_type = authority.decision_type
            or (
                authority.decision_type = 'default'
                and versions.decision_type not in (select own.decision_type from authority as own)
            )

),

approver_roles as (

    -- roles whose band reaches the value; a value above every band goes to the highest band's role
    select
        approval_rules.decision_id,
        approval_rules.decision_version,
        approval_rules.approver_role
    from approval_rules
    inner join versions
        on
            approval_rules.decision_id = versions.decision_id
            and approval_rules.decision_version = versions.decision_version
    qualify
        approval_rules.band_top >= coalesce(versions.value_at_stake, 0)
        or (
            max(approval_rules.band_top) over (
                partition by approval_rules.decision_id, approval_rules.decision_version
            ) < coalesce(versions.value_at_stake, 0)
            and approval_rules.band_top = max(approval_rules.band_top) over (
                partition by approval_rules.decision_id, approval_rules.decision_version
            )
        )

),

four_eyes as (

    select
        decision_id,
        decision_version,
        min(four_eyes_above) as four_eyes_above
    from approval_rules
    group by decision_id, decision_version

),

known_actors as (

    select actor_id from actor_roles
    union
    select owner_id from category_owners
    union
    select escalation_owner_id from category_owners
    where escalation_owner_id is not null

),

actor_role_lists as (

    select
        actor_id,
        string_agg(distinct role, ' or ' order by role) as roles
    from actor_roles
    group by actor_id

),

approvers as (

    -- (event, actor may approve): a role the version's band authorises, in a scope covering it
    select distinct events.event_id
    from events
    inner join versions
        on
            events.decision_id = versions.decision_id
            and events.decision_version = versions.decision_version
    inner join approver_roles
        on
            versions.decision_id = approver_roles.decision_id
            and versions.decision_version = approver_roles.decision_version
    inner join actor_roles
        on
            events.actor_id = actor_roles.actor_id
            and approver_roles.approver_role = actor_roles.role
            -- a scoped role covers only decisions in its scope (none without a category / location)
            and (
                nullif(actor_roles.category_id, '') is null
                or actor_roles.category_id is not distinct from versions.category_id
            )
            and (
                nullif(actor_roles.location_id, '') is null
                or actor_roles.location_id is not distinct from versions.location_id
            )

),

auto_allowed as (

    select distinct events.event_id
    from events
    inner join versions
        on
            events.decision_id = versions.decision_id
            and events.decision_version = versions.decision_version
    inner join auto_rules
        on
            versions.decision_type = auto_rules.decision_type
            and versions.value_at_stake <= auto_rules.max_value_at_stake

),

reversible_by_owner as (

    -- reversals within the reverse window of a rule under which the system actor executed the version
    select distinct reversals.event_id
    from events as reversals
    inner join events as executions
        on
            reversals.decision_id = executions.decision_id
            and reversals.decision_version = executions.decision_version
    inner join auto_rules
        on executions.reason like 'auto_execution_policy:' || auto_rules.rule_id || '%'
    where
        reversals.event_type = 'reversed'
        and executions.event_type = 'executed'
        and executions.actor_id = '{{ auto_actor }}'
        and reversals.occurred_at
        <= executions.occurred_at + to_milliseconds((auto_rules.reverse_window_hours * 3600000)::bigint)

),

latest_versions as (

    -- per event: the newest version of its decision detected by the time it occurred
    select
        events.event_id,
        max(versions.decision_version) as latest_version
    from events
    inner join versions
        on
            events.decision_id = versions.decision_id
            and events.occurred_at >= versions.detected_at
    group by events.event_id

),

described as (

    select
        events.*,
        versions.decision_id is not null as is_known_version,
        versions.decision_type || ' worth ' || coalesce(format('{:,.2f}', versions.value_at_stake), 'unknown')
            as decision_text,
        case events.event_type
            when 'acknowledged' then 'acknowledge'
            when 'approved' then 'approve'
            when 'rejected' then 'reject'
            when 'snoozed' then 'snooze'
            when 'executed' then 'execute'
            when 'reversed' then 'reverse'
            when 'assigned' then 'assign'
            when 'escalated' then 'escalate'
        end as verb,
        coalesce(events.actor_id in (versions.owner_id, versions.escalation_owner_id), false) as is_named,
        coalesce(events.actor_id = versions.owner_id, false) as is_owner,
        coalesce(events.actor_id in (select known_actors.actor_id from known_actors), false) as is_known_actor,
        coalesce(actor_role_lists.roles, 'no role') as roles,
        approvers.event_id is not null as is_approver,
        auto_allowed.event_id is not null as is_auto_allowed,
        reversible_by_owner.event_id is not null as is_reversible_by_owner,
        versions.value_at_stake > four_eyes.four_eyes_above as needs_four_eyes,
        four_eyes.four_eyes_above,
        latest_versions.latest_version,
        exists(
            select 1 from actor_roles
            where actor_roles.actor_id = events.actor_id and actor_roles.role = 'system'
        ) as is_system_actor
    from events
    left join versions
        on
            events.decision_id = versions.decision_id
            and events.decision_version = versions.decision_version
    left join four_eyes
        on
            events.decision_id = four_eyes.decision_id
            and events.decision_version = four_eyes.decision_version
    left join actor_role_lists on events.actor_id = actor_role_lists.actor_id
    left join approvers on events.event_id = approvers.event_id
    left join auto_allowed on events.event_id = auto_allowed.event_id
    left join reversible_by_owner on events.event_id = reversible_by_owner.event_id
    left join latest_versions on events.event_id = latest_versions.event_id

),

authorised as (

    select
        *,
        event_type not in ('commented', 'proposed', 'superseded', 'withdrawn') as changes_state,
        case
            when not is_known_version or event_type in ('commented', 'proposed', 'superseded', 'withdrawn')
                then null
            when latest_version > decision_version
                then 'stale version ' || decision_version || ' (latest ' || latest_version || ')'
            when actor_id = '{{ auto_actor }}'
                then case
                    when event_type not in ('approved', 'executed')
                        then '{{ auto_actor }} may only approve or execute, not ' || verb
                    when not is_auto_allowed
                        then
                            '{{ auto_actor }} may not ' || verb || ' ' || decision_text
                            || ': no auto_execution_policy rule allows it'
                end
            when event_type in ('assigned', 'escalated')
                then case
                    when not is_system_actor
                        then 'actor ''' || actor_id || ''' may not ' || verb || ': only role system may'
                end
            when not is_known_actor and not is_named
                then 'unknown actor ''' || actor_id || ''''
            when
                event_type in ('approved', 'rejected', 'reversed') and not is_approver
                and not (event_type = 'reversed' and is_named and is_reversible_by_owner)
                then 'actor ''' || actor_id || ''' (roles ' || roles || ') may not ' || verb || ' ' || decision_text
            when not is_approver and not is_named
                then
                    'actor ''' || actor_id || ''' (roles ' || roles || ') is neither the owner, the escalation owner '
                    || 'nor an approver of ' || decision_text
            when event_type = 'approved' and is_owner and needs_four_eyes
                then
                    'four-eyes: owner ''' || actor_id || ''' may not approve their own ' || decision_text
                    || ' (above ' || format('{:,.2f}', four_eyes_above) || ')'
        end as authority_reason,
        row_number() over (
            partition by decision_id, decision_version
            order by event_type in ('commented', 'proposed', 'superseded', 'withdrawn'), occurred_at, event_id
        ) as event_seq
    from described

),

walk as (

    -- replay each version's state-changing events; a refused event leaves the state as it was
    select
        decision_id,
        decision_version,
        0::bigint as event_seq,
        null::varchar as event_id,
        'proposed' as state,
        null::varchar as rejection_reason
    from authorised
    where is_known_version
    group by decision_id, decision_version

    union all

    select
        walk.decision_id,
        walk.decision_version,
        authorised.event_seq,
        authorised.event_id,
        case
            when authorised.authority_reason is null and transitions.to_state is not null
                then transitions.to_state
            else walk.state
        end as state,
        coalesce(
            authorised.authority_reason,
            case
                when transitions.to_state is null
                    then 'transition ' || walk.state || ' -> ' || authorised.event_type || ' not allowed'
            end
        ) as rejection_reason
    from walk
    inner join authorised
        on
            walk.decision_id = authorised.decision_id
            and walk.decision_version = authorised.decision_version
            and authorised.event_seq = walk.event_seq + 1
            and authorised.changes_state
    left join transitions
        on walk.state = transitions.from_state and authorised.event_type = transitions.event_type

),

final as (

    select
        authorised.event_id,
        authorised.decision_id,
        authorised.decision_version,
        authorised.event_type,
        authorised.actor_id,
        authorised.occurred_at,
        authorised.reason,
        authorised.snoozed_until,
        authorised._source_file,
        walk.rejection_reason
    from authorised
    left join walk on authorised.event_id = walk.event_id

)

select * from final
