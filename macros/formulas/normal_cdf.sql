{#-
    Φ(x), the standard normal CDF, as a SQL expression: the approximation of Zelen & Severo
    (Abramowitz & Stegun 26.2.17, absolute error < 7.5e-8), with Φ(x) = 1 − Φ(−x) for x < 0.
    Φ(0) = 0.5, Φ(1) = 0.841345, Φ(−1.644854) = 0.05. Null in, null out.
-#}
{% macro normal_cdf(x) -%}
    {%- set b = [0.319381530, -0.356563782, 1.781477937, -1.821255978, 1.330274429] -%}
    {%- set t -%}(1 / (1 + 0.2316419 * abs({{ x }}))){%- endset -%}
    {%- set upper_tail -%}
        (exp(-0.5 * ({{ x }}) * ({{ x }})) / sqrt(2 * pi())
        * ({{ t }} * ({{ b[0] }} + {{ t }} * ({{ b[1] }} + {{ t }} * ({{ b[2] }} + {{ t }} * ({{ b[3] }} + {{ t }} * {{ b[4] }}))))))
    {%- endset -%}
    case when ({{ x }}) >= 0 then 1 - {{ upper_tail }} else {{ upper_tail }} end
{%- endmacro %}
