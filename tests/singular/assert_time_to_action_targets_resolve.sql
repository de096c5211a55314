{#-
    Every row of time_to_action_targets can apply and every owner × decision type resolves a full set
    of settings: applies_to is `default`, `owner:<id>` of an actor the policy seeds know (actor_roles,
    category_owners) or `role:<role>` of a role in actor_roles; decision_type is a type with SLAs
    (decision_slas) or `default`; and the `default` × `default` row sets min_decisions, lookback_weeks
    and severity, which every owner inherits from at the latest. One row per problem.
    In Dagster it is a check on the seed (dbt meta dagster.ref), not an observation.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'time_to_action_targets'}}}) }}

with

targets as (

    select * from {{ ref('time_to_action_targets') }}

),

actor_roles as (

    select * from {{ ref('actor_roles') }}

),

category_owners as (

    select * from {{ ref('category_owners') }}

),

decision_slas as (

    select * from {{ ref('decision_slas') }}

),

known_actors as (

    select actor_id from actor_roles
    union
    select owner_id as actor_id from category_owners
    union
    select escalation_owner_id as actor_id from category_owners

),

problems as (

    select
        applies_to,
        decision_type,
        'applies_to must be default, owner:<actor_id> or role:<role>' as problem
    from targets
    where not (applies_to = 'default' or applies_to like 'owner:_%' or applies_to like 'role:_%')
    union all
    select
        applies_to,
        decision_type,
        'unknown owner (not in actor_roles or category_owners)' as problem
    from targets
    where
        applies_to like 'owner:_%'
        and substr(applies_to, 7) not in (select known_actors.actor_id from known_actors)
    union all
    select
        applies_to,
        decision_type,
        'unknown role (not in actor_roles)' as problem
    from targets
    where
        applies_to like 'role:_%'
        and substr(applies_to, 6) not in (select actor_roles.role from actor_roles)
    union all
    select
        applies_to,
        decision_type,
        'unknown decision type (not in decision_slas)' as problem
    from targets
    where
        decision_type != 'default'
        and decision_type not in (select decision_slas.decision_type from decision_slas)
    union all
    select
        'default' as applies_to,
        'default' as decision_type,
        'no default × default row setting min_decisions, lookback_weeks and severity' as problem
    where not exists (
        select 1
        from targets
        where
            applies_to = 'default'
            and decision_type = 'default'
            and min_decisions is not null
            and lookback_weeks is not null
            and severity is not null
    )

)

select * from problems
