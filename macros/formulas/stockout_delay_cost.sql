{#-
    Expected lost margin of waiting one more day before acting on a stock position (currency per day):
      P(demand over h + 1 days > position) × d̄ × unit margin
    with h the days until the action's goods arrive (lead time, transit), demand over h + 1 days normal
    with mean d̄·(h + 1) and σ = sqrt((h + 1)·σ_d² + d̄²·σ_L²) (the safety-stock convention), and
    P = 1 − Φ((position − d̄·(h + 1)) / σ). Without variability (σ = 0) P is 1 when the position is
    below d̄·(h + 1), else 0. No demand → 0.
-#}
{% macro stockout_delay_cost(position, horizon_days, demand, demand_std, lead_time_std, unit_margin) -%}
    {%- set days -%}(({{ horizon_days }}) + 1){%- endset -%}
    {%- set sigma -%}
        sqrt({{ days }} * power(coalesce({{ demand_std }}, 0), 2) + power({{ demand }}, 2) * power(coalesce({{ lead_time_std }}, 0), 2))
    {%- endset -%}
    case
        when coalesce({{ demand }}, 0) <= 0 then 0
        when {{ sigma }} = 0
            then case when ({{ position }}) < ({{ demand }}) * {{ days }} then 1 else 0 end * ({{ demand }}) * ({{ unit_margin }})
        else
            (1 - {{ normal_cdf('((' ~ position ~ ') - (' ~ demand ~ ') * ' ~ days ~ ') / ' ~ sigma) }})
            * ({{ demand }}) * ({{ unit_margin }})
    end
{%- endmacro %}
