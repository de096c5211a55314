{#-
    Nothing is dropped on the way from signals to decisions: every active signal of this run is a line of
    exactly one decision, and per owner the value at stake of the decisions (single, proposals and batches)
    equals that of the active signals. Returns the owners (or signals) that disagree.
-#}
with

signals as (

    select * from {{ ref('int_decision_signals') }}
    where is_active

),

decisions as (

    select * from {{ ref('int_decision_candidates') }}

),

lines as (

    select struct_extract(unnest(lines), 'signal_id') as signal_id
    from decisions

),

line_counts as (

    select
        signal_id,
        count(*) as decisions
    from lines
    group by signal_id

),

misplaced as (

    select
        coalesce(signals.signal_id, line_counts.signal_id) as subject,
        printf(
            'signal in %d decisions (%s)',
            coalesce(line_counts.decisions, 0), coalesce(signals.decision_type, 'not an active signal')
        ) as problem,
        null::double as signal_value,
        null::double as decision_value
    from signals
    full outer join line_counts on signals.signal_id = line_counts.signal_id
    where signals.signal_id is null or coalesce(line_counts.decisions, 0) != 1

),

signal_values as (

    select
        owner_id,
        sum(value_at_stake) as value
    from signals
    group by owner_id

),

decision_values as (

    select
        owner_id,
        sum(value_at_stake) as value
    from decisions
    group by owner_id

),

owner_values as (

    select
        coalesce(signal_values.owner_id, decision_values.owner_id) as subject,
        'value at stake differs' as problem,
        coalesce(signal_values.value, 0) as signal_value,
        coalesce(decision_values.value, 0) as decision_value
    from signal_values
    full outer join decision_values on signal_values.owner_id = decision_values.owner_id
    where abs(coalesce(signal_values.value, 0) - coalesce(decision_values.value, 0)) > 0.01

)

select * from misplaced
union all
select * from owner_values
