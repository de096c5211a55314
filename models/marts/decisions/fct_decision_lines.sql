{#-
    The concrete lines of every decision's latest version (fct_decisions): what to order, move, mark down,
    count ... per SKU, location and supplier. A single decision has one line; a purchase proposal one line
    per SKU-location it orders; a batch one line per signal it gathers. A line has no lifecycle of its own:
    it shares its decision's status (approving a proposal approves its lines).
    Versions recorded before decisions had lines get one line made of the decision's own figures.
-#}
with

decisions as (

    select * from {{ ref('fct_decisions') }}

),

versions as (

    select
        decision_id,
        decision_version,
        lines
    from {{ ref('int_decision_versions') }}
    qualify row_number() over (
        partition by decision_id, decision_version order by change_kind = 'withdrawn', detected_at
    ) = 1

),

stored as (

    select
        decisions.decision_id,
        decisions.decision_version,
        unnest(versions.lines) as line
    from decisions
    inner join versions
        on decisions.decision_id = versions.decision_id and decisions.decision_version = versions.decision_version
    where versions.lines is not null

),

unpacked as (

    select
        decision_id,
        decision_version,
        struct_extract(line, 'line_no') as line_no,
        struct_extract(line, 'signal_id') as signal_id,
        struct_extract(line, 'signal_type') as signal_type,
        struct_extract(line, 'subject_key') as subject_key,
        struct_extract(line, 'sku_id') as sku_id,
        struct_extract(line, 'location_id') as location_id,
        struct_extract(line, 'supplier_id') as supplier_id,
        struct_extract(line, 'constraint_id') as constraint_id,
        struct_extract(line, 'qty') as qty,
        struct_extract(line, 'value') as value,
        struct_extract(line, 'priority_score') as priority_score,
        struct_extract(line, 'due_by') as due_by,
        struct_extract(line, 'signal_at') as signal_at
    from stored

),

legacy as (

    -- versions without stored lines: the decision itself is its one line
    select
        decisions.decision_id,
        decisions.decision_version,
        1 as line_no,
        decisions.decision_id as signal_id,
        decisions.decision_type as signal_type,
        decisions.subject_key,
        decisions.sku_id,
        decisions.location_id,
        decisions.supplier_id,
        decisions.constraint_id,
        decisions.recommended_qty as qty,
        decisions.value_at_stake as value,
        decisions.priority_score,
        decisions.data_due_by as due_by,
        decisions.signal_at
    from decisions
    where not exists (
        select 1 from stored
        where stored.decision_id = decisions.decision_id and stored.decision_version = decisions.decision_version
    )

),

lines as (

    select * from unpacked
    union all
    select * from legacy

),

final as (

    select
        lines.decision_id,
        lines.decision_version,
        cast(lines.line_no as integer) as line_no,
        decisions.decision_type,
        decisions.decision_kind,
        decisions.owner_id,
        decisions.status,
        decisions.is_open,
        lines.signal_id,
        lines.signal_type,
        lines.subject_key,
        lines.sku_id,
        lines.location_id,
        lines.supplier_id,
        lines.constraint_id,
        lines.qty,
        lines.value,
        lines.priority_score,
        lines.due_by,
        lines.signal_at
    from lines
    inner join decisions on lines.decision_id = decisions.decision_id

)

select * from final
