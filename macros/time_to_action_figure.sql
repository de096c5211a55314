{#-
    The figure of a time-to-action metric over one evaluation window, inside a query grouped by
    `metric` over rows with `metric_value` and `evaluation_window` (fct_time_to_action_targets): the
    share is a mean of 1/0 outcomes, the median and 90th percentile (continuous) are over hours.
-#}
{% macro time_to_action_figure(window_name) -%}
    case metric
        when 'share_resolved_within_sla'
            then avg(metric_value) filter (where evaluation_window = '{{ window_name }}')
        when 'median_hours_to_ack'
            then median(metric_value) filter (where evaluation_window = '{{ window_name }}')
        else quantile_cont(metric_value, 0.9) filter (where evaluation_window = '{{ window_name }}')
    end
{%- endmacro %}
