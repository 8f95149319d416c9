/* rt_sweep.c — the rate schedule, the loss smoother and the evaluation of
 * the compiled stop expression, exactly as RANGE_TEST.md defines them. */
#include "rt_sweep.h"

#include <math.h>

/* ---- schedule ------------------------------------------------------------ */

static double linear_rate(const rt_schedule *s, int64_t step)
{
    if (s->steps <= 1)
        return s->start;
    double t = (double)step / (double)(s->steps - 1);
    /* (1 - t) * start + t * end is exact at both ends (t = 0 and t = 1). */
    return (1.0 - t) * s->start + t * s->end;
}

static double exp_rate(const rt_schedule *s, int64_t step)
{
    double e = (double)step / s->decay_steps;
    if (s->staircase)
        e = floor(e);
    /* With decay_rate = end/start and decay_steps = steps-1 (the start/end
     * form), e is exactly 1 at the last step and pow(x, 1) == x, so the rate
     * is start * (end/start): end within rounding. */
    return s->start * pow(s->decay_rate, e);
}

double rt_schedule_rate(const rt_schedule *s, int64_t step)
{
    return s->kind == RT_SCHED_LINEAR ? linear_rate(s, step) : exp_rate(s, step);
}

/* ---- smoothing ----------------------------------------------------------- */

void rt_smoother_init(rt_smoother *sm, double beta)
{
    sm->beta = beta;
    sm->avg = 0.0;
    sm->n = 0;
}

double rt_smoother_push(rt_smoother *sm, double loss)
{
    sm->avg = sm->beta * sm->avg + (1.0 - sm->beta) * loss;
    sm->n++;
    return sm->avg / (1.0 - pow(sm->beta, (double)sm->n));
}

/* ---- stop rules ---------------------------------------------------------- */

/* A value holds when it is non-zero and not NaN (a comparison with NaN is
 * already false, so a NaN can only reach here through arithmetic). */
static int truthy(double v)
{
    return v != 0.0 && !isnan(v);
}

static double apply_unary(rt_op op, double a)
{
    switch (op) {
    case RT_OP_NEG: return -a;
    case RT_OP_NOT: return truthy(a) ? 0.0 : 1.0;
    default:        return fabs(a);   /* RT_OP_ABS */
    }
}

static double apply_binary(rt_op op, double a, double b)
{
    switch (op) {
    case RT_OP_ADD: return a + b;
    case RT_OP_SUB: return a - b;
    case RT_OP_MUL: return a * b;
    case RT_OP_DIV: return a / b;
    case RT_OP_LT:  return a < b;
    case RT_OP_LE:  return a <= b;
    case RT_OP_GT:  return a > b;
    case RT_OP_GE:  return a >= b;
    case RT_OP_EQ:  return a == b;
    case RT_OP_NE:  return a != b;
    case RT_OP_AND: return truthy(a) && truthy(b);
    default:        return truthy(a) || truthy(b);   /* RT_OP_OR */
    }
}

static int is_unary(rt_op op)
{
    return op == RT_OP_NEG || op == RT_OP_NOT || op == RT_OP_ABS;
}

/* A malformed program (stack underflow, or not exactly one value left)
 * evaluates to 0: it never stops a run. The compiler never emits one. */
double rt_stop_eval_clause(const rt_stop_clause *c, const double vars[RT_VAR_COUNT])
{
    double stack[RT_STOP_MAX_INSNS];
    int sp = 0;
    int n = c->n < RT_STOP_MAX_INSNS ? c->n : RT_STOP_MAX_INSNS;
    for (int i = 0; i < n; i++) {
        const rt_insn *in = &c->code[i];
        if (in->op == RT_OP_NUM) {
            stack[sp++] = in->num;
        } else if (in->op == RT_OP_VAR) {
            stack[sp++] = (unsigned)in->var < RT_VAR_COUNT ? vars[in->var] : NAN;
        } else if (is_unary(in->op)) {
            if (sp < 1)
                return 0.0;
            stack[sp - 1] = apply_unary(in->op, stack[sp - 1]);
        } else {
            if (sp < 2)
                return 0.0;
            sp--;
            stack[sp - 1] = apply_binary(in->op, stack[sp - 1], stack[sp]);
        }
    }
    return sp == 1 ? stack[0] : 0.0;
}

int rt_stop_check(const rt_stop *s, const double vars[RT_VAR_COUNT])
{
    for (int i = 0; i < s->n && i < RT_STOP_MAX_CLAUSES; i++)
        if (truthy(rt_stop_eval_clause(&s->clause[i], vars)))
            return i + 1;
    return 0;
}
