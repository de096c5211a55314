{#- Deterministic decision identity: hash of type, subject and episode start, so re-runs are idempotent. -#}
{% macro decision_id(decision_type, subject_columns, episode_start) -%}
    md5(concat_ws('|', {{ decision_type }}, {% for col in subject_columns %}coalesce(cast({{ col }} as varchar), ''), {% endfor %}strftime({{ episode_start }}, '%Y-%m-%dT%H:%M:%S')))
{%- endmacro %}
