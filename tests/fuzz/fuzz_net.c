#include "fuzz_net.h"

void fuzz_net_build(ddad_paramset *ps, int training)
{
    ddad_paramset_reset(ps);
    static const int w[4] = {2, 1, 3, 3}, c[1] = {2};
    ddad_paramset_add_param(ps, "encoder.0.weight", 4, w);
    ddad_paramset_add_param(ps, "encoder.1.weight", 1, c);
    ddad_paramset_add_param(ps, "encoder.1.bias", 1, c);
    ddad_paramset_add_buffer(ps, "encoder.1.running_mean", 1, c);
    ddad_paramset_add_buffer(ps, "encoder.1.running_var", 1, c);
    ddad_paramset_alloc(ps, training);
}
