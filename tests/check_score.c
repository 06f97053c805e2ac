/*
 * check_score.c: the score functions (host/score) against values worked
 * out by hand.
 */
#include "check_util.h"

#include <math.h>
#include <string.h>

#include "score/score.h"

#define EPS 1e-12

START_TEST(test_class)
{
    const float three[3] = {0.1f, 0.7f, 0.7f}, hi[1] = {0.6f}, lo[1] = {0.4f}, half[1] = {0.5f};
    ck_assert_int_eq(score_class(three, 3, 0.5), 1); /* first of the tied maxima */
    ck_assert_int_eq(score_class(hi, 1, 0.5), 1);
    ck_assert_int_eq(score_class(lo, 1, 0.5), 0);
    ck_assert_int_eq(score_class(half, 1, 0.5), 0); /* above, not at, the threshold */
}
END_TEST

START_TEST(test_accuracy)
{
    const int pred[4] = {0, 1, 2, 1}, label[4] = {0, 1, 1, 1};
    double a = -1;
    ck_assert_int_eq(score_accuracy(pred, label, 4, &a), HB_OK);
    ck_assert_double_eq_tol(a, 0.75, EPS);
    a = -1;
    ck_assert_int_eq(score_accuracy(pred, label, 0, &a), HB_ERR_ARG);
    ck_assert_double_eq(a, -1); /* untouched on failure */
}
END_TEST

START_TEST(test_mae)
{
    const double pred[3] = {1, 2, 3}, label[3] = {1.5, 2, 2};
    double m;
    ck_assert_int_eq(score_mae(pred, label, 3, &m), HB_OK);
    ck_assert_double_eq_tol(m, 0.5, EPS); /* (0.5 + 0 + 1) / 3 */
    ck_assert_int_eq(score_mae(pred, label, 0, &m), HB_ERR_ARG);
}
END_TEST

/* AUC: the probability that an anomaly outscores a normal vector, ties
 * counting one half. */
static const struct {
    const char *what;
    double score[6];
    int label[6];
    int n;
    double auc;
} auc_cases[] = {
    /* pairs (a, n): (.35, .1) (.35, .4) (.8, .1) (.8, .4): 3 of 4 */
    {"textbook", {0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}, 4, 0.75},
    /* (.5, .5) tie = 1/2, (.5, .2), (.9, .5), (.9, .2): 3.5 of 4 */
    {"one tie", {0.5, 0.5, 0.2, 0.9}, {1, 0, 0, 1}, 4, 0.875},
    {"all tied", {1, 1, 1, 1, 1}, {0, 1, 0, 1, 1}, 5, 0.5},
    {"separated", {0.1, 0.2, 0.9, 0.8}, {0, 0, 1, 1}, 4, 1.0},
    {"reversed", {0.9, 0.8, 0.1, 0.2}, {0, 0, 1, 1}, 4, 0.0},
    /* anomalies {2, 2, 3}, normals {1, 2, 2}: each 2 beats the 1 and ties
     * both 2s (1 + 1/2 + 1/2), the 3 beats all three: (2 + 2 + 3) / 9 */
    {"ties across", {2, 2, 3, 1, 2, 2}, {1, 1, 1, 0, 0, 0}, 6, 7.0 / 9.0},
};

START_TEST(test_auc)
{
    double a = -1;
    ck_assert_msg(score_auc(auc_cases[_i].score, auc_cases[_i].label, auc_cases[_i].n, &a) ==
                      HB_OK, "%s: %s", auc_cases[_i].what, hb_last_error());
    ck_assert_msg(fabs(a - auc_cases[_i].auc) < EPS, "%s: auc %.15g, expected %.15g",
                  auc_cases[_i].what, a, auc_cases[_i].auc);
}
END_TEST

START_TEST(test_auc_errors)
{
    const double score[3] = {1, 2, 3};
    const int one_class[3] = {1, 1, 1}, bad[3] = {0, 2, 1};
    double a = -1;
    ck_assert_int_eq(score_auc(score, one_class, 3, &a), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "both"));
    ck_assert_int_eq(score_auc(score, bad, 3, &a), HB_ERR_ARG);
    ck_assert_int_eq(score_auc(score, bad, 0, &a), HB_ERR_ARG);
    ck_assert_double_eq(a, -1);
}
END_TEST

START_TEST(test_fidelity)
{
    const float ref[4] = {1, 2, 3, 4}, v[4] = {1, 2, 3, 5};
    score_fidelity f = {0};
    double x;

    score_fidelity_add(&f, ref, v, 2); /* in two parts: sums carry over */
    score_fidelity_add(&f, ref + 2, v + 2, 2);
    ck_assert_int_eq(f.values, 4);
    ck_assert_int_eq(score_rmse(&f, &x), HB_OK);
    ck_assert_double_eq_tol(x, 0.5, EPS); /* sqrt(1 / 4) */
    ck_assert_int_eq(score_snr_db(&f, &x), HB_OK);
    ck_assert_double_eq_tol(x, 10.0 * log10(30.0), 1e-9); /* 30 / 1: 14.77 dB */
    ck_assert_int_eq(score_cosine(&f, &x), HB_OK);
    ck_assert_double_eq_tol(x, 34.0 / sqrt(30.0 * 39.0), 1e-12);
    ck_assert_int_eq(score_max_abs(&f, &x), HB_OK);
    ck_assert_double_eq_tol(x, 1.0, EPS);
    ck_assert_int_eq(score_agreement(&f, &x), HB_ERR_ARG); /* nobody voted */
    score_fidelity_vote(&f, 1);
    score_fidelity_vote(&f, 0);
    score_fidelity_vote(&f, 1);
    score_fidelity_vote(&f, 1);
    ck_assert_int_eq(score_agreement(&f, &x), HB_OK);
    ck_assert_double_eq_tol(x, 0.75, EPS);
    ck_assert_double_eq_tol(score_mse(ref, v, 4), 0.25, EPS);
    ck_assert_double_eq(score_mse(ref, v, 0), 0.0);
}
END_TEST

START_TEST(test_fidelity_edges)
{
    const float a[3] = {0.5f, -1, 2}, zero[3] = {0, 0, 0};
    score_fidelity same = {0}, from_zero = {0}, to_zero = {0}, none = {0}, both = {0};
    double x;

    score_fidelity_add(&same, a, a, 3);
    ck_assert_int_eq(score_snr_db(&same, &x), HB_OK);
    ck_assert_double_eq(x, SCORE_SNR_CAP_DB); /* identical: the cap, not inf */
    ck_assert_int_eq(score_rmse(&same, &x), HB_OK);
    ck_assert_double_eq(x, 0.0);
    ck_assert_int_eq(score_cosine(&same, &x), HB_OK);
    ck_assert_double_eq_tol(x, 1.0, EPS);

    score_fidelity_add(&from_zero, zero, a, 3); /* a reference of zeros */
    ck_assert_int_eq(score_snr_db(&from_zero, &x), HB_OK);
    ck_assert_double_eq(x, -SCORE_SNR_CAP_DB);
    ck_assert_int_eq(score_cosine(&from_zero, &x), HB_OK);
    ck_assert_double_eq(x, 0.0);

    score_fidelity_add(&to_zero, a, zero, 3); /* all error: 0 dB */
    ck_assert_int_eq(score_snr_db(&to_zero, &x), HB_OK);
    ck_assert_double_eq_tol(x, 0.0, EPS);
    ck_assert_int_eq(score_max_abs(&to_zero, &x), HB_OK);
    ck_assert_double_eq_tol(x, 2.0, EPS);

    score_fidelity_add(&both, zero, zero, 3);
    ck_assert_int_eq(score_cosine(&both, &x), HB_OK);
    ck_assert_double_eq(x, 1.0);

    ck_assert_int_eq(score_rmse(&none, &x), HB_ERR_ARG);
    ck_assert_int_eq(score_snr_db(&none, &x), HB_ERR_ARG);
    ck_assert_int_eq(score_cosine(&none, &x), HB_ERR_ARG);
    ck_assert_int_eq(score_max_abs(&none, &x), HB_ERR_ARG);
}
END_TEST

static Suite *score_suite(void)
{
    Suite *s = suite_create("score");
    TCase *tc = tcase_create("score");
    tcase_add_test(tc, test_class);
    tcase_add_test(tc, test_accuracy);
    tcase_add_test(tc, test_mae);
    tcase_add_loop_test(tc, test_auc, 0, (int)(sizeof(auc_cases) / sizeof(auc_cases[0])));
    tcase_add_test(tc, test_auc_errors);
    tcase_add_test(tc, test_fidelity);
    tcase_add_test(tc, test_fidelity_edges);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(score_suite)
