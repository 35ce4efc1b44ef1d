# Reference values for tests/test_table_weighted.py, computed once with R's survey package
# (Lumley), on its own data set apistrat (stratified sample of 200 California schools,
# strata = school type E/H/M with populations 4421/1018/755 in column fpc).
# Run: Rscript tests/data/apistrat_reference.R   (writes tests/data/apistrat.csv too)
library(survey)
data(api)
write.csv(apistrat[, c("cds", "stype", "fpc", "api00", "sch.wide", "awards", "yr.rnd", "comp.imp", "api99")],
          "apistrat.csv", row.names = FALSE)
d <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
options(digits = 12)
m <- svymean(~api00, d, deff = TRUE); print(m); print(confint(m)); print(SE(m)); print(deff(m))
s <- svymean(~sch.wide, d, deff = TRUE); print(s); print(confint(s)); print(SE(s)); print(deff(s))
sub <- subset(d, awards == "Yes")
ms <- svymean(~api00, sub, deff = TRUE); print(ms); print(SE(ms)); print(deff(ms))
print(svychisq(~sch.wide + awards, d))                       # default statistic = "F"
print(svychisq(~sch.wide + awards, d, statistic = "Chisq"))
print(svychisq(~comp.imp + yr.rnd, d))
print(svychisq(~comp.imp + yr.rnd, d, statistic = "Chisq"))
apistrat$band99 <- cut(apistrat$api99, c(0, 600, 750, 1000), right = FALSE)  # as --bands 600,750
d <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
for (st in c("F", "Chisq")) {
  r <- svychisq(~band99 + awards, d, statistic = st)
  print(c(r$statistic, r$parameter, p = r$p.value))
}
r <- svychisq(~comp.imp + yr.rnd, d); print(c(r$statistic, r$parameter, p = r$p.value))
r <- svychisq(~sch.wide + awards, d, statistic = "Chisq"); print(c(r$statistic, p = r$p.value))
print(mean(apistrat$api00)); print(mean(apistrat$sch.wide == "Yes"))
# the design's worst-case margin of error: a 0/1 answer with p = 0.5 in every stratum
apistrat$half <- ave(seq_along(apistrat$stype), apistrat$stype, FUN = function(i) seq_along(i) %% 2)
d <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
print(SE(svymean(~half, d)), digits = 12)                   # 0.0381...
# two "waves" for compare --weights: api99 as the first, api00 as the second
print(svymean(~api99, d), digits = 12); print(SE(svymean(~api99, d)), digits = 12)
