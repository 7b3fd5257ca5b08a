// The batching rules for convolution, pooling, batch norm and the MobileNet activations
// (engine/autodiff/*Batching.cpp): each operator called inside LibTorch's vmap on a block of 3 vectors equals
// the operator called on each vector alone, in float64, and LibTorch does not fall back to its loop.

#include <ATen/ATen.h>
#include <ATen/VmapMode.h>
#include <c10/util/Exception.h>

#include <functional>
#include <string>
#include <vector>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "autodiff/BatchingRules.h"
#include "core/TorchUtil.h"

using namespace ts;

namespace test_batching_rules {

namespace {

constexpr int64_t kBlock = 3;

// Records LibTorch's "performance drop … batching rule" warnings (its loop over the block).
struct FallbackLog : c10::WarningHandler {
  std::string fallback;
  void process(const c10::SourceLocation&, const std::string& msg, const bool) override {
    if (msg.find("performance drop") != std::string::npos && fallback.empty()) fallback = msg;
  }
};

using Op = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;

double rel(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item<double>();
}

// Runs `op` once on the block ([kBlock, …] for each argument whose flag is set, as a batched tensor) and once
// per vector, and compares every output.
void check(const std::string& what, const Op& op, std::vector<at::Tensor> args,
           const std::vector<bool>& batched, double tolerance = 1e-12) {
  register_batching_rules();
  std::vector<std::vector<at::Tensor>> singles(kBlock);
  for (int64_t b = 0; b < kBlock; ++b) {
    std::vector<at::Tensor> a;
    for (size_t i = 0; i < args.size(); ++i) a.push_back(batched[i] ? args[i][b] : args[i]);
    singles[static_cast<size_t>(b)] = op(a);
  }
  FallbackLog log;
  std::vector<at::Tensor> block;
  {
    c10::Warning::WarningHandlerGuard guard(&log);
    const bool were_on = at::globalContext().areVmapFallbackWarningsEnabled();
    at::globalContext().setDisplayVmapFallbackWarnings(true);
    const int64_t level = at::impl::VmapMode::increment_nesting();
    std::vector<at::Tensor> a;
    for (size_t i = 0; i < args.size(); ++i)
      a.push_back(batched[i] ? at::_add_batch_dim(args[i], 0, level) : args[i]);
    for (const at::Tensor& r : op(a))
      block.push_back(r.defined() ? at::_remove_batch_dim(r, level, kBlock, 0) : r);
    at::impl::VmapMode::decrement_nesting();
    at::globalContext().setDisplayVmapFallbackWarnings(were_on);
  }
  QVERIFY2(log.fallback.empty(), (what + ": " + log.fallback).c_str());
  QVERIFY2(block.size() == singles[0].size(), what.c_str());
  for (size_t j = 0; j < block.size(); ++j) {
    if (!singles[0][j].defined()) {
      QVERIFY2(!block[j].defined(), what.c_str());
      continue;
    }
    std::vector<at::Tensor> parts;
    for (const auto& s : singles) parts.push_back(s[j]);
    const at::Tensor want = at::stack(parts);
    QVERIFY2(block[j].sizes() == want.sizes(),
             (what + ": output " + std::to_string(j) + " has the wrong shape").c_str());
    const double r = rel(block[j], want);
    QVERIFY2(r < tolerance,
             (what + ": output " + std::to_string(j) + " is " + std::to_string(r) + " off").c_str());
  }
}

at::Tensor normal(at::Generator& gen, std::vector<int64_t> shape) {
  return draw_normal(gen, shape, test::f64());
}

std::vector<int64_t> with_block(std::vector<int64_t> s) {
  s.insert(s.begin(), kBlock);
  return s;
}

}  // namespace

class TestBatchingRules : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Forward convolution with the input, the weight, both, or only the bias batched (the JVP's tangents), over
  // stride, padding, dilation, groups, with and without bias, and a channels-last input; 1-d and transposed.
  void convolution() {
    auto gen = make_generator(31);
    struct Case {
      std::vector<int64_t> stride, padding, dilation;
      int64_t groups;
      bool bias, channels_last;
    };
    const Case cases[] = {{{1, 1}, {0, 0}, {1, 1}, 1, true, false},
                          {{2, 1}, {1, 1}, {1, 1}, 1, false, false},
                          {{1, 1}, {1, 2}, {2, 1}, 2, true, false},
                          {{2, 2}, {1, 1}, {1, 1}, 4, false, true},
                          {{1, 1}, {0, 0}, {1, 1}, 2, true, true}};
    for (const Case& c : cases) {
      const int64_t cin = 4, cout = 8;
      at::Tensor x = normal(gen, {2, cin, 7, 6});
      at::Tensor xb = normal(gen, with_block({2, cin, 7, 6}));
      if (c.channels_last) {
        x = x.contiguous(at::MemoryFormat::ChannelsLast);
        xb = xb.permute({0, 1, 3, 4, 2}).contiguous().permute({0, 1, 4, 2, 3});  // each vector channels-last
      }
      const at::Tensor w = normal(gen, {cout, cin / c.groups, 3, 2}),
                       wb = normal(gen, with_block(w.sizes().vec()));
      const at::Tensor bias = c.bias ? normal(gen, {cout}) : at::Tensor();
      const at::Tensor bb = normal(gen, {kBlock, cout});
      const Op conv = [&](const std::vector<at::Tensor>& a) {
        const c10::optional<at::Tensor> b = a[2].defined() ? c10::optional<at::Tensor>(a[2]) : c10::nullopt;
        return std::vector<at::Tensor>{
            at::convolution(a[0], a[1], b, c.stride, c.padding, c.dilation, false, {0, 0}, c.groups)};
      };
      const std::string name = "convolution, groups " + std::to_string(c.groups) + (c.bias ? ", bias" : "") +
                               (c.channels_last ? ", channels-last" : "");
      check(name + ", input batched", conv, {xb, w, bias}, {true, false, false});
      check(name + ", weight batched", conv, {x, wb, bias}, {false, true, false});
      check(name + ", input and weight batched", conv, {xb, wb, bias}, {true, true, false});
      check(name + ", weight and bias batched", conv, {x, wb, bb}, {false, true, true});
      check(name + ", bias batched", conv, {x, w, bb}, {false, false, true});
    }
    // 1-d, as in a temporal convolution.
    const Op conv1d = [](const std::vector<at::Tensor>& a) {
      return std::vector<at::Tensor>{at::convolution(a[0], a[1], a[2], {2}, {1}, {1}, false, {0}, 1)};
    };
    check("1-d convolution", conv1d,
          {normal(gen, with_block({2, 3, 9})), normal(gen, with_block({5, 3, 3})), normal(gen, {5})},
          {true, true, false});
    // Transposed: the input folds into the batch axis; a batched weight goes one vector at a time.
    const Op convt = [](const std::vector<at::Tensor>& a) {
      return std::vector<at::Tensor>{
          at::convolution(a[0], a[1], a[2], {2, 2}, {1, 1}, {1, 1}, true, {1, 0}, 2)};
    };
    check("transposed convolution, input batched", convt,
          {normal(gen, with_block({2, 4, 5, 5})), normal(gen, {4, 3, 3, 3}), normal(gen, {6})},
          {true, false, false});
    check("transposed convolution, weight batched", convt,
          {normal(gen, {2, 4, 5, 5}), normal(gen, with_block({4, 3, 3, 3})), normal(gen, {6})},
          {false, true, false});
  }

  // The backward with a block of cotangents (the VJP's pattern), every gradient asked for.
  void convolutionBackward() {
    auto gen = make_generator(32);
    for (int64_t groups : {1, 2, 4}) {
      for (bool transposed : {false, true}) {
        const std::vector<int64_t> stride{2, 1}, padding{1, 0}, dilation{1, 2},
            output_padding{transposed ? 1 : 0, 0};
        const at::Tensor x = normal(gen, {2, 4, 7, 6});
        const at::Tensor w =
            transposed ? normal(gen, {4, 8 / groups, 3, 2}) : normal(gen, {8, 4 / groups, 3, 2});
        const at::Tensor y = at::convolution(x, w, c10::nullopt, stride, padding, dilation, transposed,
                                             output_padding, groups);
        const Op backward = [&](const std::vector<at::Tensor>& a) {
          const std::vector<int64_t> bias{8};
          auto r = at::convolution_backward(a[0], a[1], a[2], at::IntArrayRef(bias), stride, padding,
                                            dilation, transposed, output_padding, groups, {true, true, true});
          return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r), std::get<2>(r)};
        };
        check("convolution backward, groups " + std::to_string(groups) + (transposed ? ", transposed" : ""),
              backward, {normal(gen, with_block(y.sizes().vec())), x, w}, {true, false, false});
        // The input batched as well (a double backward's pattern): one call per vector.
        check("convolution backward, input batched, groups " + std::to_string(groups), backward,
              {normal(gen, with_block(y.sizes().vec())), normal(gen, with_block(x.sizes().vec())), w},
              {true, true, false});
        const Op weight_only = [&](const std::vector<at::Tensor>& a) {
          auto r = at::convolution_backward(a[0], a[1], a[2], c10::nullopt, stride, padding, dilation,
                                            transposed, output_padding, groups, {false, true, false});
          return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r), std::get<2>(r)};
        };
        check("convolution backward, weight only, groups " + std::to_string(groups), weight_only,
              {normal(gen, with_block(y.sizes().vec())), x, w}, {true, false, false});
      }
    }
  }

  // Stride, padding and dilation given once for both axes, as a model may pass them.
  void convolutionBackwardOneParameterForBothAxes() {
    auto gen = make_generator(37);
    const at::Tensor x = normal(gen, {2, 3, 6, 6}), w = normal(gen, {4, 3, 3, 3});
    const at::Tensor y = at::convolution(x, w, c10::nullopt, {2}, {1}, {1}, false, {0}, 1);
    const Op backward = [&](const std::vector<at::Tensor>& a) {
      auto r = at::convolution_backward(a[0], a[1], a[2], c10::nullopt, {2}, {1}, {1}, false, {0}, 1,
                                        {true, true, false});
      return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r)};
    };
    check("convolution backward, stride 2 and padding 1 for both axes", backward,
          {normal(gen, with_block(y.sizes().vec())), x, w}, {true, false, false});
  }

  // In float32 with many output positions, the weight's gradient goes one vector at a time through oneDNN
  // (float64 and few positions take one matrix product over the block, tested above).
  void convolutionBackwardFloat32() {
    auto gen = make_generator(36);
    const auto f32 = [&](std::vector<int64_t> shape) { return normal(gen, shape).to(at::kFloat); };
    const at::Tensor x = f32({4, 8, 10, 10}), w = f32({16, 8, 3, 3});
    const at::Tensor y = at::convolution(x, w, c10::nullopt, {1, 1}, {1, 1}, {1, 1}, false, {0, 0}, 1);
    const Op backward = [&](const std::vector<at::Tensor>& a) {
      auto r = at::convolution_backward(a[0], a[1], a[2], c10::nullopt, {1, 1}, {1, 1}, {1, 1}, false, {0, 0},
                                        1, {true, true, false});
      return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r)};
    };
    check("convolution backward, float32, 400 output positions", backward,
          {f32(with_block(y.sizes().vec())), x, w}, {true, false, false}, 1e-5);
    const at::Tensor xs = f32({4, 8, 3, 3});
    const at::Tensor ys = at::convolution(xs, w, c10::nullopt, {1, 1}, {1, 1}, {1, 1}, false, {0, 0}, 1);
    check("convolution backward, float32, 36 output positions", backward,
          {f32(with_block(ys.sizes().vec())), xs, w}, {true, false, false}, 1e-5);
  }

  // Max pooling's backward (overlapping windows, padding, dilation, ceil mode, an input without a batch axis)
  // and its forward-mode JVP's flatten; adaptive average pooling forward and backward.
  void pooling() {
    auto gen = make_generator(33);
    struct Case {
      std::vector<int64_t> input, kernel, stride, padding, dilation;
      bool ceil;
    };
    const Case cases[] = {
        {{2, 3, 8, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, false},
        {{2, 3, 8, 7}, {3, 2}, {2, 1}, {1, 0}, {1, 1}, true},
        {{2, 3, 9, 9}, {2, 2}, {1, 1}, {0, 0}, {2, 2}, false},
        {{3, 8, 7}, {3, 3}, {2, 2}, {0, 0}, {1, 1}, true},
        {{2, 8, 100, 100}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, true}};  // 1.3 MB a vector: in chunks
    for (const Case& c : cases) {
      const at::Tensor x = normal(gen, c.input);
      const auto [y, indices] =
          at::max_pool2d_with_indices(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil);
      const Op backward = [&](const std::vector<at::Tensor>& a) {
        return std::vector<at::Tensor>{at::max_pool2d_with_indices_backward(
            a[0], a[1], c.kernel, c.stride, c.padding, c.dilation, c.ceil, a[2])};
      };
      check("max pooling backward", backward, {normal(gen, with_block(y.sizes().vec())), x, indices},
            {true, false, false});
    }
    const Op gather = [](const std::vector<at::Tensor>& a) {
      return std::vector<at::Tensor>{at::gather(a[0], -1, a[1]), at::gather(a[0], 1, a[1])};
    };
    const at::Tensor index = at::randint(0, 3, {2, 3, 3}, at::TensorOptions().dtype(at::kLong));
    check("gather, source batched", gather, {normal(gen, with_block({2, 3, 5})), index}, {true, false});
    check(
        "gather, index batched", gather,
        {normal(gen, {2, 3, 5}), at::randint(0, 3, {kBlock, 2, 3, 3}, at::TensorOptions().dtype(at::kLong))},
        {false, true});
    const Op mean = [](const std::vector<at::Tensor>& a) {
      return std::vector<at::Tensor>{a[0].mean({-1, -2}, true), a[0].mean({1}), a[0].mean()};
    };
    check("mean", mean, {normal(gen, with_block({2, 3, 4, 5}))}, {true});
    const Op flatten = [](const std::vector<at::Tensor>& a) {
      return std::vector<at::Tensor>{a[0].flatten(-2), a[0].flatten(1, 2), a[0].flatten()};
    };
    check("flatten", flatten, {normal(gen, with_block({2, 3, 4, 5}))}, {true});
    for (const std::vector<int64_t>& shape :
         {std::vector<int64_t>{2, 3, 7, 5}, std::vector<int64_t>{3, 7, 5}}) {
      for (const std::vector<int64_t>& out : {std::vector<int64_t>{1, 1}, std::vector<int64_t>{3, 2}}) {
        const Op pool = [&](const std::vector<at::Tensor>& a) {
          return std::vector<at::Tensor>{at::_adaptive_avg_pool2d(a[0], out)};
        };
        check("adaptive average pooling", pool, {normal(gen, with_block(shape))}, {true});
        const at::Tensor x = normal(gen, shape);
        const at::Tensor y = at::_adaptive_avg_pool2d(x, out);
        const Op backward = [](const std::vector<at::Tensor>& a) {
          return std::vector<at::Tensor>{at::_adaptive_avg_pool2d_backward(a[0], a[1])};
        };
        check("adaptive average pooling backward", backward, {normal(gen, with_block(y.sizes().vec())), x},
              {true, false});
      }
    }
  }

  // Batch norm's backward in evaluation mode (running statistics) and training mode (the batch's), with and
  // without an affine weight, on images and sequences.
  void batchNormBackward() {
    auto gen = make_generator(34);
    for (bool train : {false, true}) {
      for (bool affine : {true, false}) {
        for (const std::vector<int64_t>& shape :
             {std::vector<int64_t>{4, 3, 5, 6}, std::vector<int64_t>{4, 3, 7}}) {
          const at::Tensor x = normal(gen, shape);
          const at::Tensor weight = affine ? normal(gen, {3}) : at::Tensor();
          const at::Tensor bias = affine ? normal(gen, {3}) : at::Tensor();
          const at::Tensor running_mean = normal(gen, {3}), running_var = normal(gen, {3}).abs() + 0.5;
          const auto opt = [](const at::Tensor& t) {
            return t.defined() ? c10::optional<at::Tensor>(t) : c10::nullopt;
          };
          const auto fwd = at::native_batch_norm(x, opt(weight), opt(bias), running_mean.clone(),
                                                 running_var.clone(), train, 0.1, 1e-5);
          const Op backward = [&](const std::vector<at::Tensor>& a) {
            auto r = at::native_batch_norm_backward(a[0], a[1], opt(weight), running_mean, running_var,
                                                    std::get<1>(fwd), std::get<2>(fwd), train, 1e-5,
                                                    {true, affine, affine});
            return std::vector<at::Tensor>{std::get<0>(r), std::get<1>(r), std::get<2>(r)};
          };
          check(std::string("batch norm backward, ") + (train ? "training" : "evaluation") +
                    (affine ? ", affine" : "") + ", " + std::to_string(shape.size()) + "-d",
                backward, {normal(gen, with_block(shape)), x}, {true, false});
          check("batch norm backward, input batched", backward,
                {normal(gen, with_block(shape)), normal(gen, with_block(shape))}, {true, true});
        }
      }
    }
  }

  // MobileNetV3's activations, and ReLU's (LibTorch's own rule) beside them.
  void hardActivationsBackward() {
    auto gen = make_generator(35);
    const at::Tensor x = normal(gen, {4, 6}) * 4;
    const Op backward = [](const std::vector<at::Tensor>& a) {
      return std::vector<at::Tensor>{at::hardswish_backward(a[0], a[1]), at::hardsigmoid_backward(a[0], a[1]),
                                     at::threshold_backward(a[0], a[1], 0),
                                     at::threshold_backward(a[0], a[1], 0.5)};
    };
    check("hardswish, hardsigmoid and ReLU backward", backward, {normal(gen, with_block({4, 6})), x},
          {true, false});
    check("ReLU backward, input batched", backward, {normal(gen, {4, 6}), normal(gen, with_block({4, 6}))},
          {false, true});
  }
};

}  // namespace test_batching_rules

TS_TEST_MAIN(test_batching_rules::TestBatchingRules, convolution, convolutionBackward,
             convolutionBackwardOneParameterForBothAxes, convolutionBackwardFloat32, pooling,
             batchNormBackward, hardActivationsBackward)
#ifdef TS_HAVE_QT
#include "test_batching_rules.moc"
#endif
