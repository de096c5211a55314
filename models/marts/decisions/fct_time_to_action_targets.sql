{#-
    Every owner × decision type (× category, for the aging metric) measured against its
    time_to_action_targets over the look-back window, with the previous window of the same length for
    the trend (docs/time-to-action.md). The time-to-action asset checks read this model.

    Targets: for each owner × type, each column comes from the most specific seed row that fills it —
    owner:<id> before role:<role> before default, then the type before 'default', roles in alphabetical
    order. Windows: a decision belongs to the window in which its current version was queued; the
    current window is the lookback_weeks before the run's start, the previous one the same span before.
    Metrics, over the decisions of the window that have a value (the sample):
      share_resolved_within_sla       resolved_within_sla / (resolved_within_sla + breached_sla)
      median_hours_to_ack             median of hours_to_ack
      p90_hours_signal_to_resolution  90th percentile (continuous) of hours_signal_to_resolution
      p90_hours_signal_to_action      90th percentile of hours_signal_to_action, per category
    Auto-executed decisions, decisions still inside their SLA and withdrawn ones are counted apart and
    never enter a figure. verdict: no_verdict when the sample is below min_decisions; breach when the
    figure (rounded as shown) is on the wrong side of the target; met otherwise.
-#}
{#- per metric: its seed column and direction, its value per decision (null = not in the sample),
    whether that value is a lower bound, the category it is grouped by, and which decisions count -#}
{%- set metrics = [
    {'name': 'share_resolved_within_sla', 'target': 'min_share_resolved_within_sla', 'comparison': 'at_least',
     'value': "case sla_outcome when 'resolved_within_sla' then 1.0 when 'breached_sla' then 0.0 end",
     'lower_bound': 'resolution_is_lower_bound', 'category': "'all'", 'decisions': 'true'},
    {'name': 'median_hours_to_ack', 'target': 'max_median_hours_to_ack', 'comparison': 'at_most',
     'value': 'hours_to_ack', 'lower_bound': 'ack_is_lower_bound', 'category': "'all'", 'decisions': 'true'},
    {'name': 'p90_hours_signal_to_resolution', 'target': 'max_p90_hours_signal_to_resolution',
     'comparison': 'at_most', 'value': 'hours_signal_to_resolution', 'lower_bound': 'resolution_is_lower_bound',
     'category': "'all'", 'decisions': 'true'},
    {'name': 'p90_hours_signal_to_action', 'target': 'max_p90_hours_signal_to_action', 'comparison': 'at_most',
     'value': 'hours_signal_to_action', 'lower_bound': 'action_is_lower_bound',
     'category': "coalesce(category_id, 'unknown')", 'decisions': 'is_corrective_action'},
] -%}
with

decisions as (

    select * from {{ ref('fct_decision_time_to_action') }}
    where sla_outcome != 'not_queued'

),

targets as (

    select * from {{ ref('time_to_action_targets') }}

),

actor_roles as (

    select * from {{ ref('actor_roles') }}

),

owner_types as (

    select distinct
        owner_id,
        decision_type
    from decisions

),

owner_scopes as (

    -- what a seed row's applies_to may say about an owner, most specific first
    select distinct
        owner_id,
        'owner:' || owner_id as applies_to,
        1 as scope_rank
    from owner_types
    union all
    select distinct
        owner_types.owner_id,
        'role:' || actor_roles.role as applies_to,
        2 as scope_rank
    from owner_types
    inner join actor_roles on owner_types.owner_id = actor_roles.actor_id
    union all
    select distinct
        owner_id,
        'default' as applies_to,
        3 as scope_rank
    from owner_types

),

matches as (

    select
        owner_types.owner_id,
        owner_types.decision_type,
        targets.applies_to || ' × ' || targets.decision_type as seed_row,
        targets.min_share_resolved_within_sla,
        targets.max_median_hours_to_ack,
        targets.max_p90_hours_signal_to_resolution,
        targets.max_p90_hours_signal_to_action,
        targets.min_decisions,
        targets.lookback_weeks,
        targets.severity,
        row_number() over (
            partition by owner_types.owner_id, owner_types.decision_type
            order by owner_scopes.scope_rank, targets.decision_type = 'default', targets.applies_to
        ) as precedence
    from owner_types
    inner join owner_scopes on owner_types.owner_id = owner_scopes.owner_id
    inner join targets
        on
            owner_scopes.applies_to = targets.applies_to
            and targets.decision_type in (owner_types.decision_type, 'default')

),

settings as (

    select
        owner_id,
        decision_type,
        arg_min(min_decisions, precedence) filter (where min_decisions is not null) as min_decisions,
        arg_min(lookback_weeks, precedence) filter (where lookback_weeks is not null) as lookback_weeks,
        arg_min(severity, precedence) filter (where severity is not null) as severity
    from matches
    group by owner_id, decision_type

),

target_cells as (

    {% for metric in metrics %}
        select
            owner_id,
            decision_type,
            seed_row,
            precedence,
            '{{ metric.name }}' as metric,
            '{{ metric.comparison }}' as comparison,
            {{ metric.target }} as target
        from matches
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

metric_targets as (

    select
        owner_id,
        decision_type,
        metric,
        comparison,
        arg_min(target, precedence) as target,
        arg_min(seed_row, precedence) as target_set_by
    from target_cells
    where target is not null
    group by owner_id, decision_type, metric, comparison

),

windowed as (

    select
        decisions.*,
        case
            when
                decisions.queued_at
                > {{ dbt.dateadd('day', '-7 * settings.lookback_weeks', 'decisions.evaluated_at') }}
                then 'current'
            when
                decisions.queued_at
                > {{ dbt.dateadd('day', '-14 * settings.lookback_weeks', 'decisions.evaluated_at') }}
                then 'previous'
        end as evaluation_window
    from decisions
    inner join settings
        on decisions.owner_id = settings.owner_id and decisions.decision_type = settings.decision_type

),

metric_values as (

    {% for metric in metrics %}
        select
            owner_id,
            decision_type,
            {{ metric.category }} as category_id,
            evaluation_window,
            sla_outcome,
            evaluated_at,
            '{{ metric.name }}' as metric,
            {{ metric.value }} as metric_value,
            {{ metric.lower_bound }} as is_lower_bound
        from windowed
        where evaluation_window is not null and {{ metric.decisions }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

figures as (

    select
        owner_id,
        decision_type,
        category_id,
        metric,
        max(evaluated_at) as evaluated_at,
        count(*) filter (where evaluation_window = 'current') as decisions,
        count(*) filter (where evaluation_window = 'current' and sla_outcome = 'auto_executed') as auto_executed,
        count(*) filter (where evaluation_window = 'current' and sla_outcome = 'open_within_sla')
            as open_within_sla,
        count(*) filter (where evaluation_window = 'current' and sla_outcome = 'withdrawn') as withdrawn,
        count(metric_value) filter (where evaluation_window = 'current') as sample,
        count(metric_value) filter (where evaluation_window = 'current' and is_lower_bound) as still_waiting,
        {{ time_to_action_figure('current') }} as figure,
        count(metric_value) filter (where evaluation_window = 'previous') as previous_sample,
        {{ time_to_action_figure('previous') }} as previous_figure
    from metric_values
    group by owner_id, decision_type, category_id, metric

),

rounded as (

    select
        figures.*,
        metric_targets.comparison,
        metric_targets.target,
        metric_targets.target_set_by,
        settings.min_decisions,
        settings.lookback_weeks,
        settings.severity,
        round(figures.figure, case when figures.metric = 'share_resolved_within_sla' then 4 else 2 end)
            as shown_figure,
        round(figures.previous_figure, case when figures.metric = 'share_resolved_within_sla' then 4 else 2 end)
            as shown_previous_figure
    from figures
    inner join metric_targets
        on
            figures.owner_id = metric_targets.owner_id
            and figures.decision_type = metric_targets.decision_type
            and figures.metric = metric_targets.metric
    inner join settings
        on figures.owner_id = settings.owner_id and figures.decision_type = settings.decision_type

),

final as (

    select
        owner_id,
        decision_type,
        category_id,
        metric,
        comparison,
        target,
        target_set_by,
        severity,
        min_decisions,
        lookback_weeks,
        evaluated_at,
        {{ dbt.dateadd('day', '-7 * lookback_weeks', 'evaluated_at') }} as window_start,
        {{ dbt.dateadd('day', '-14 * lookback_weeks', 'evaluated_at') }} as previous_window_start,
        decisions,
        auto_executed,
        open_within_sla,
        withdrawn,
        sample,
        still_waiting,
        shown_figure as figure,
        previous_sample,
        shown_previous_figure as previous_figure,
        shown_figure - shown_previous_figure as change_vs_previous,
        case
            when sample < min_decisions or shown_figure is null then 'no_verdict'
            when comparison = 'at_least' and shown_figure < target then 'breach'
            when comparison = 'at_most' and shown_figure > target then 'breach'
            else 'met'
        end as verdict
    from rounded

)

select * from final
