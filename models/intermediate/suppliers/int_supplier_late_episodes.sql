{#-
    When did each currently unreliable supplier become unreliable? A supplier is unreliable at a moment when
    its late deliveries in the rolling policy window (late_at's date within window_days up to that day;
    overdue open lines stay counted while open) reach late_deliveries_threshold. The episode start is the
    late delivery that made the count reach the threshold after the last moment it was below it; it does
    not move while the episode lasts, so the switch_supplier decision keeps one identity (docs/decisions.md).
    One row per supplier with a late delivery; unreliable_since_at is null when the supplier is reliable now.
-#}
with

lines as (

    select * from {{ ref('int_purchase_order_lines_delivery') }}

),

policy as (

    select * from {{ ref('supplier_policy') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

late_events as (

    select
        supplier_id,
        po_line_id,
        late_at,
        cast(late_at as date) as late_date,
        is_overdue_open
    from lines
    where is_late

),

-- Rolling late count just after each late event (events at the same instant count together).
count_after_event as (

    select
        late_events.supplier_id,
        late_events.po_line_id,
        late_events.late_at,
        count(*) as late_count
    from late_events
    cross join policy
    inner join late_events as earlier
        on
            late_events.supplier_id = earlier.supplier_id
            and late_events.late_at >= earlier.late_at
            and (earlier.is_overdue_open or earlier.late_date > late_events.late_date - policy.window_days)
    group by late_events.supplier_id, late_events.po_line_id, late_events.late_at

),

-- Days on which a received late delivery leaves the window, and the count at the start of that day.
window_exits as (

    select distinct
        late_events.supplier_id,
        cast(late_events.late_date + policy.window_days as timestamp) as exit_at
    from late_events
    cross join policy
    cross join context
    where not late_events.is_overdue_open and late_events.late_date + policy.window_days <= context.as_of_date

),

count_after_exit as (

    select
        window_exits.supplier_id,
        window_exits.exit_at,
        count(remaining.po_line_id) as late_count
    from window_exits
    cross join policy
    left join late_events as remaining
        on
            window_exits.supplier_id = remaining.supplier_id
            and window_exits.exit_at > remaining.late_at
            and (
                remaining.is_overdue_open
                or remaining.late_date > cast(window_exits.exit_at as date) - policy.window_days
            )
    group by window_exits.supplier_id, window_exits.exit_at

),

below_threshold_moments as (

    select
        count_after_event.supplier_id,
        count_after_event.late_at as reliable_at
    from count_after_event
    cross join policy
    where count_after_event.late_count < policy.late_deliveries_threshold
    union all
    select
        count_after_exit.supplier_id,
        count_after_exit.exit_at - interval 1 microsecond as reliable_at
    from count_after_exit
    cross join policy
    where count_after_exit.late_count < policy.late_deliveries_threshold

),

last_reliable as (

    select
        supplier_id,
        max(reliable_at) as last_reliable_at
    from below_threshold_moments
    group by supplier_id

),

current_count as (

    select
        late_events.supplier_id,
        count(*) filter (
            where late_events.is_overdue_open or late_events.late_date > context.as_of_date - policy.window_days
        ) as late_deliveries_in_window
    from late_events
    cross join policy
    cross join context
    group by late_events.supplier_id

),

episode_start as (

    select
        current_count.supplier_id,
        current_count.late_deliveries_in_window,
        min(late_events.late_at) as unreliable_since_at,
        arg_min(
            late_events.po_line_id, (late_events.late_at, late_events.po_line_id)
        ) as unreliable_since_po_line_id
    from current_count
    cross join policy
    inner join late_events on current_count.supplier_id = late_events.supplier_id
    left join last_reliable on current_count.supplier_id = last_reliable.supplier_id
    where
        current_count.late_deliveries_in_window >= policy.late_deliveries_threshold
        and late_events.late_at > coalesce(last_reliable.last_reliable_at, cast('-infinity' as timestamp))
    group by current_count.supplier_id, current_count.late_deliveries_in_window

)

select
    current_count.supplier_id,
    current_count.late_deliveries_in_window,
    episode_start.unreliable_since_at,
    episode_start.unreliable_since_po_line_id
from current_count
left join episode_start on current_count.supplier_id = episode_start.supplier_id
