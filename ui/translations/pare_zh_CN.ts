<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>pare::ui::AccuracySizeChart</name>
    <message>
        <source>dense fp32</source>
        <translation>稠密 fp32</translation>
    </message>
    <message>
        <source>TorchScript file</source>
        <translation>TorchScript 文件</translation>
    </message>
    <message>
        <source>.pare file</source>
        <translation>.pare 文件</translation>
    </message>
    <message>
        <source>Model size, %1 (log scale)</source>
        <translation>模型大小，%1（对数坐标）</translation>
    </message>
    <message>
        <source>Top-1 accuracy (%)</source>
        <translation>Top-1 准确率 (%)</translation>
    </message>
    <message>
        <source>Snapshots of all runs (test)</source>
        <translation>所有运行的快照（测试集）</translation>
    </message>
    <message>
        <source>Selected run (test)</source>
        <translation>选中的运行（测试集）</translation>
    </message>
    <message>
        <source>Current run (test)</source>
        <translation>当前运行（测试集）</translation>
    </message>
    <message>
        <source>Baseline (test)</source>
        <translation>基线（测试集）</translation>
    </message>
    <message>
        <source>Search candidates (validation)</source>
        <translation>搜索候选（验证集）</translation>
    </message>
    <message>
        <source>Search front (validation)</source>
        <translation>搜索前沿（验证集）</translation>
    </message>
    <message>
        <source>Preview, one-shot (1,000 validation images)</source>
        <translation>预览，一次性（1,000 张验证图像）</translation>
    </message>
    <message>
        <source>Estimate: %1%, %2 bytes</source>
        <translation>估计：%1%，%2 字节</translation>
    </message>
    <message>
        <source>Preview: %1%, %2 bytes (measured in %3 s)</source>
        <translation>预览：%1%，%2 字节（测量用时 %3 秒）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Run %1&lt;/b&gt; (search candidate): %2&lt;br&gt;validation accuracy %3%&lt;br&gt;non-zero parameters %4 of %5&lt;br&gt;.pare %6 bytes, TorchScript %7 bytes</source>
        <translation>&lt;b&gt;运行 %1&lt;/b&gt;（搜索候选）：%2&lt;br&gt;验证准确率 %3%&lt;br&gt;非零参数 %4 / %5&lt;br&gt;.pare %6 字节，TorchScript %7 字节</translation>
    </message>
    <message>
        <source>&lt;b&gt;Run %1&lt;/b&gt;, step %2: %3&lt;br&gt;%4&lt;br&gt;test accuracy %5%&lt;br&gt;non-zero parameters %6 of %7&lt;br&gt;.pare %8 bytes, TorchScript %9 bytes, dense %10 bytes&lt;br&gt;latency %11 ms (batch 256)</source>
        <translation>&lt;b&gt;运行 %1&lt;/b&gt;，步骤 %2：%3&lt;br&gt;%4&lt;br&gt;测试准确率 %5%&lt;br&gt;非零参数 %6 / %7&lt;br&gt;.pare %8 字节，TorchScript %9 字节，稠密 %10 字节&lt;br&gt;延迟 %11 毫秒（批大小 256）</translation>
    </message>
    <message>
        <source>Pareto front of runs and sweeps (test)</source>
        <translation>运行与扫描的帕累托前沿（测试集）</translation>
    </message>
    <message>
        <source>Sweep results (test)</source>
        <translation>扫描结果（测试集）</translation>
    </message>
</context>
<context>
    <name>pare::ui::CompareTableModel</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Accuracy measured on</source>
        <translation>准确率测量于</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>Accuracy %</source>
        <translation>准确率 %</translation>
    </message>
    <message>
        <source>.pare bytes</source>
        <translation>.pare 字节数</translation>
    </message>
    <message>
        <source>TorchScript bytes</source>
        <translation>TorchScript 字节数</translation>
    </message>
    <message>
        <source>ONNX bytes</source>
        <translation>ONNX 字节</translation>
    </message>
    <message>
        <source>Dense fp32 bytes</source>
        <translation>稠密 fp32 字节</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Non-zero parameters</source>
        <translation>非零参数</translation>
    </message>
    <message>
        <source>Multiply-accumulates</source>
        <translation>乘加运算</translation>
    </message>
    <message>
        <source>Latency batch 1 (ms)</source>
        <translation>延迟，批大小 1（毫秒）</translation>
    </message>
    <message>
        <source>Latency batch 256 (ms)</source>
        <translation>延迟，批大小 256（毫秒）</translation>
    </message>
    <message>
        <source>Class %1 accuracy %</source>
        <translation>类别 %1 准确率 %</translation>
    </message>
    <message>
        <source>%1% sparse, %2 bits</source>
        <translation>稀疏 %1%，%2 位</translation>
    </message>
    <message>
        <source>Layer %1</source>
        <translation>层 %1</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Run %1 (A)</source>
        <translation>运行 %1 (A)</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>Run %1 (B)</source>
        <translation>运行 %1 (B)</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>B - A</source>
        <translation>B - A</translation>
    </message>
</context>
<context>
    <name>pare::ui::CompareView</name>
    <message>
        <source>Run %1: %2</source>
        <translation>运行 %1：%2</translation>
    </message>
    <message>
        <source>Compare runs:</source>
        <translation>比较运行：</translation>
    </message>
</context>
<context>
    <name>pare::ui::CompressionSettingsPanel</name>
    <message>
        <source>Pruning</source>
        <translation>剪枝</translation>
    </message>
    <message>
        <source>Knowledge distillation</source>
        <translation>知识蒸馏</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Ratio</source>
        <translation>比例</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>调度</translation>
    </message>
    <message>
        <source>Per-layer ratios</source>
        <translation>逐层比例</translation>
    </message>
    <message>
        <source>Fine-tune epochs</source>
        <translation>微调轮数</translation>
    </message>
    <message>
        <source>Student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <source>Temperature T</source>
        <translation>温度 T</translation>
    </message>
    <message>
        <source>Alpha</source>
        <translation>Alpha 权重</translation>
    </message>
    <message>
        <source>Weight bits</source>
        <translation>权重位数</translation>
    </message>
    <message>
        <source>Scheme</source>
        <translation>方案</translation>
    </message>
    <message>
        <source>Activation bits</source>
        <translation>激活位数</translation>
    </message>
    <message>
        <source>Run on</source>
        <translation>运行于</translation>
    </message>
    <message>
        <source>Fine-tune epochs on levels</source>
        <translation>量化级别上的微调轮数</translation>
    </message>
    <message>
        <source>Uniform</source>
        <translation>统一</translation>
    </message>
    <message>
        <source>By measured sensitivity</source>
        <translation>按实测敏感度</translation>
    </message>
    <message>
        <source>Applied from the Sensitivity tab</source>
        <translation>来自“敏感度”标签页</translation>
    </message>
    <message>
        <source>By sensitivity: each layer is first pruned alone at 10-95% and the ratios with the least predicted accuracy loss for the overall ratio are used.</source>
        <translation>按敏感度：先对每一层单独以 10-95% 的比例剪枝，再采用在总体比例下预计准确率损失最小的各层比例。</translation>
    </message>
    <message>
        <source>Share of convolution and linear weights set to zero (0 = no pruning). Zeros make the .pare file smaller; TorchScript stores them anyway.</source>
        <translation>置零的卷积和全连接权重所占比例（0 = 不剪枝）。零值会让 .pare 文件变小；TorchScript 仍会存储它们。</translation>
    </message>
    <message>
        <source>Global magnitude (one threshold)</source>
        <translation>全局幅值（单一阈值）</translation>
    </message>
    <message>
        <source>Layer-wise magnitude</source>
        <translation>逐层幅值</translation>
    </message>
    <message>
        <source>Structured filters (removes channels)</source>
        <translation>结构化滤波器（移除通道）</translation>
    </message>
    <message>
        <source>Activation-based (removes channels)</source>
        <translation>基于激活（移除通道）</translation>
    </message>
    <message>
        <source>Global: the smallest weights of the whole model go, with a 1% floor per layer. Layer-wise: every layer loses the same share. Structured: whole filters and neurons are removed, so the model is smaller in every format and faster. Activation-based: the same, keeping the channels with the largest mean activation on training images.</source>
        <translation>全局：移除整个模型中最小的权重，每层至少保留 1%。逐层：每一层移除相同比例。结构化：移除整个滤波器和神经元，模型在所有格式下都更小、更快。基于激活：同样移除通道，但保留在训练图像上平均激活最大的通道。</translation>
    </message>
    <message>
        <source>One-shot, then fine-tune</source>
        <translation>一次性剪枝后微调</translation>
    </message>
    <message>
        <source>Gradual (Zhu &amp; Gupta cubic)</source>
        <translation>渐进式（Zhu &amp; Gupta 三次曲线）</translation>
    </message>
    <message>
        <source>One-shot prunes at once and fine-tunes; gradual raises sparsity step by step while fine-tuning.</source>
        <translation>一次性：立即剪枝后微调；渐进式：在微调过程中逐步提高稀疏度。</translation>
    </message>
    <message>
        <source>Epochs of fine-tuning after pruning, and of distillation.</source>
        <translation>剪枝后的微调轮数，以及蒸馏的轮数。</translation>
    </message>
    <message>
        <source>None (no distillation)</source>
        <translation>无（不蒸馏）</translation>
    </message>
    <message>
        <source>Pruned self (distillation-assisted fine-tuning)</source>
        <translation>剪枝后的自身（蒸馏辅助微调）</translation>
    </message>
    <message>
        <source>Half-width LeNet-5 (lenet5@0.5)</source>
        <translation>半宽 LeNet-5 (lenet5@0.5)</translation>
    </message>
    <message>
        <source>Who learns from the original model&apos;s softened outputs.</source>
        <translation>由谁来学习原始模型软化后的输出。</translation>
    </message>
    <message>
        <source>Softening temperature: higher T spreads the teacher&apos;s probabilities over more classes (1-20).</source>
        <translation>软化温度：T 越高，教师模型的概率越平均地分布到更多类别 (1-20)。</translation>
    </message>
    <message>
        <source>Weight of the teacher&apos;s soft targets against the true labels (0-1).</source>
        <translation>教师软目标相对于真实标签的权重 (0-1)。</translation>
    </message>
    <message>
        <source>Bits per weight: 1-8 integer levels or codebook entries, fp16, or off.</source>
        <translation>每个权重的位数：1-8 位整数级别或码本条目、fp16，或关闭。</translation>
    </message>
    <message>
        <source>k-means codebook</source>
        <translation>k-means 码本</translation>
    </message>
    <message>
        <source>Uniform (affine)</source>
        <translation>均匀（仿射）</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>How the 2^bits levels are chosen for each layer.</source>
        <translation>每层如何选择 2^位数 个量化级别。</translation>
    </message>
    <message>
        <source>Per output channel</source>
        <translation>按输出通道</translation>
    </message>
    <message>
        <source>Separate levels for every output channel (uniform and symmetric).</source>
        <translation>每个输出通道使用独立的量化级别（均匀和对称方案）。</translation>
    </message>
    <message>
        <source>Fine-tuning with weights kept on their levels (straight-through estimator).</source>
        <translation>在权重保持于量化级别上的情况下微调（直通估计器）。</translation>
    </message>
    <message>
        <source>float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>Activations on 1-8 bits, ranges calibrated on 1,024 training images, or float.</source>
        <translation>激活量化为 1-8 位（在 1,024 张训练图像上校准范围），或保持浮点。</translation>
    </message>
    <message>
        <source>fp32 (quantization simulated)</source>
        <translation>fp32（模拟量化）</translation>
    </message>
    <message>
        <source>int8 on oneDNN</source>
        <translation>int8（oneDNN）</translation>
    </message>
    <message>
        <source>int8 on QNNPACK</source>
        <translation>int8（QNNPACK）</translation>
    </message>
    <message>
        <source>int8: the model runs on quantized integer operations (8-bit weights per channel and 8-bit activations); its latency is measured on them.</source>
        <translation>int8：模型在量化整数算子上运行（逐通道 8 位权重和 8 位激活），延迟在这些算子上测量。</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Augmentation</source>
        <translation>数据增强</translation>
    </message>
    <message>
        <source>The data set&apos;s default</source>
        <translation>数据集的默认设置</translation>
    </message>
    <message>
        <source>Random crops and flips</source>
        <translation>随机裁剪与翻转</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>What every training step does to its images: random resized crops and horizontal flips (the default for image folders), or nothing (the default for IDX and CIFAR-10).</source>
        <translation>每个训练步骤对图像所做的处理：随机缩放裁剪和水平翻转（图像文件夹的默认设置），或不做处理（IDX 和 CIFAR-10 的默认设置）。</translation>
    </message>
</context>
<context>
    <name>pare::ui::ExploreController</name>
    <message>
        <source>Search %1: baseline %2% on the validation split; screening candidates...</source>
        <translation>搜索 %1：验证集基线 %2%；正在筛选候选...</translation>
    </message>
    <message>
        <source>Search %1, candidate %2: %3</source>
        <translation>搜索 %1，候选 %2：%3</translation>
    </message>
    <message>
        <source> - winner: test %1% (%2 points; limit %3)</source>
        <translation> - 胜出：测试集 %1%（%2 个百分点；上限 %3）</translation>
    </message>
    <message>
        <source>the search ended without a result</source>
        <translation>搜索结束但没有结果</translation>
    </message>
    <message>
        <source>search %1 #%2 (round %3, %4 epochs, validation): %5</source>
        <translation>搜索 %1 #%2（第 %3 轮，%4 个周期，验证集）：%5</translation>
    </message>
</context>
<context>
    <name>pare::ui::ExploreDialog</name>
    <message>
        <source>Explore</source>
        <translation>探索</translation>
    </message>
    <message>
        <source> points</source>
        <translation> 个百分点</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>candidates</source>
        <translation>个候选</translation>
    </message>
    <message>
        <source>Smallest .pare file</source>
        <translation>最小的 .pare 文件</translation>
    </message>
    <message>
        <source>Lowest latency (batch 1)</source>
        <translation>最低延迟（批大小 1）</translation>
    </message>
    <message>
        <source>Fewest multiply-accumulates (structured pruning)</source>
        <translation>最少乘加运算（结构化剪枝）</translation>
    </message>
    <message>
        <source>Candidates are screened one-shot on the validation split; the promising ones are fine-tuned at rising fidelity. The winner is confirmed once on the test split.</source>
        <translation>候选先在验证集上一次性筛选；有希望的候选以逐步提高的精度微调。胜出者最后在测试集上确认一次。</translation>
    </message>
    <message>
        <source>Largest accuracy drop</source>
        <translation>最大准确率下降</translation>
    </message>
    <message>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <source>Minimise</source>
        <translation>最小化</translation>
    </message>
</context>
<context>
    <name>pare::ui::ExportDialog</name>
    <message>
        <source>Export run %1</source>
        <translation>导出运行 %1</translation>
    </message>
    <message>
        <source>.pare (compact, Pare)</source>
        <translation>.pare（紧凑，Pare）</translation>
    </message>
    <message>
        <source>TorchScript .pt (PyTorch, LibTorch)</source>
        <translation>TorchScript .pt（PyTorch、LibTorch）</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <source>Run %1 has no compressed model (it was cancelled or failed, or its file was removed)</source>
        <translation>运行 %1 没有压缩后的模型（它已取消或失败，或其文件已被删除）</translation>
    </message>
    <message>
        <source>Wrote %1 (%2 bytes on disk) and loaded it back: %3 parameters, %4 non-zero.</source>
        <translation>已写入 %1（磁盘上 %2 字节）并重新加载验证：%3 个参数，%4 个非零。</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;accuracy %2%&lt;br&gt;&lt;br&gt;Size of this model in each format:&lt;br&gt;&amp;nbsp;&amp;nbsp;.pare: %3 bytes&lt;br&gt;&amp;nbsp;&amp;nbsp;TorchScript (.pt): %4 bytes&lt;br&gt;&amp;nbsp;&amp;nbsp;ONNX: %5&lt;br&gt;&amp;nbsp;&amp;nbsp;dense fp32 reference: %6 bytes</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;准确率 %2%&lt;br&gt;&lt;br&gt;该模型在各格式下的大小：&lt;br&gt;&amp;nbsp;&amp;nbsp;.pare：%3 字节&lt;br&gt;&amp;nbsp;&amp;nbsp;TorchScript (.pt)：%4 字节&lt;br&gt;&amp;nbsp;&amp;nbsp;ONNX：%5&lt;br&gt;&amp;nbsp;&amp;nbsp;稠密 fp32 参考：%6 字节</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <source>not available (an operation the exporter does not cover)</source>
        <translation>不可用（包含导出器尚不支持的运算）</translation>
    </message>
    <message>
        <source>&lt;br&gt;&lt;br&gt;&lt;i&gt;TorchScript and ONNX store dense fp32 tensors: zeros and k-bit weights take 4 bytes each there. Only .pare stores them compactly.&lt;/i&gt;</source>
        <translation>&lt;br&gt;&lt;br&gt;&lt;i&gt;TorchScript 和 ONNX 存储稠密的 fp32 张量：零值和 k 位权重在其中各占 4 字节。只有 .pare 会紧凑地存储它们。&lt;/i&gt;</translation>
    </message>
    <message>
        <source>ONNX (opset 13; OpenCV, ONNX Runtime)</source>
        <translation>ONNX（opset 13；OpenCV、ONNX Runtime）</translation>
    </message>
    <message>
        <source>Pare (*.pare);;TorchScript (*.pt);;ONNX (*.onnx)</source>
        <translation>Pare (*.pare);;TorchScript (*.pt);;ONNX (*.onnx)</translation>
    </message>
    <message>
        <source>OpenCV DNN</source>
        <translation>OpenCV DNN</translation>
    </message>
    <message>
        <source>Pare&apos;s reference ONNX evaluator (OpenCV DNN 4.6 cannot run this graph)</source>
        <translation>Pare 的参考 ONNX 求值器（OpenCV DNN 4.6 无法运行此图）</translation>
    </message>
    <message>
        <source>Wrote %1 (%2 bytes on disk) and ran it in %3 on %4 test images: the same top-1 as LibTorch on %5, largest logit difference %6.</source>
        <translation>已写入 %1（磁盘上 %2 字节），并在 %3 中对 %4 张测试图像运行：其中 %5 张的 top-1 与 LibTorch 相同，最大 logit 差异 %6。</translation>
    </message>
    <message>
        <source>Writing and verifying...</source>
        <translation>正在写入并验证...</translation>
    </message>
</context>
<context>
    <name>pare::ui::LayerSparsityChart</name>
    <message>
        <source>Sparsity (% of weights that are zero)</source>
        <translation>稀疏度（为零的权重所占百分比）</translation>
    </message>
    <message>
        <source>Baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <source>%1
%2 kept
of %3
%4 bits</source>
        <translation>%1
保留 %2
共 %3
%4 位</translation>
    </message>
</context>
<context>
    <name>pare::ui::LayerTable</name>
    <message>
        <source>mixed</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Filter layers by path or type</source>
        <translation>按路径或类型筛选层</translation>
    </message>
    <message>
        <source>Group by block</source>
        <translation>按模块分组</translation>
    </message>
    <message>
        <source>Group layers by the prefixes of their dotted paths (layer1.0.conv1 under layer1 and layer1.0); a group row sums its parameters and weighs its sparsity</source>
        <translation>按点分路径的前缀对层分组（layer1.0.conv1 位于 layer1 和 layer1.0 之下）；分组行汇总其参数并按权重数加权其稀疏度</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>Params</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Sparsity %</source>
        <translation>稀疏度 %</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>位数</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s)</source>
        <translation>
            <numerusform>%n 层</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>pare::ui::MainWindow</name>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Cannot load</source>
        <translation>无法加载</translation>
    </message>
    <message>
        <source>Model and data</source>
        <translation>模型与数据</translation>
    </message>
    <message>
        <source>Compression settings</source>
        <translation>压缩设置</translation>
    </message>
    <message>
        <source>untitled project</source>
        <translation>未命名项目</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>A run is in progress; cancel it before loading another model or data set.</source>
        <translation>正在运行；请先取消，再加载其他模型或数据集。</translation>
    </message>
    <message>
        <source>Loading %1 and %2...</source>
        <translation>正在加载 %1 和 %2...</translation>
    </message>
    <message>
        <source>Ready: move the sliders and press Run.</source>
        <translation>就绪：调整滑块后点击“运行”。</translation>
    </message>
    <message>
        <source>Cannot open project</source>
        <translation>无法打开项目</translation>
    </message>
    <message>
        <source>Cannot save project</source>
        <translation>无法保存项目</translation>
    </message>
    <message>
        <source>Unsaved project</source>
        <translation>项目未保存</translation>
    </message>
    <message>
        <source>Save the changes to %1 first?</source>
        <translation>是否先保存对 %1 的更改？</translation>
    </message>
    <message>
        <source>Loaded recipe %1</source>
        <translation>已加载配方 %1</translation>
    </message>
    <message>
        <source>Cannot load recipe</source>
        <translation>无法加载配方</translation>
    </message>
    <message>
        <source>Saved recipe %1</source>
        <translation>已保存配方 %1</translation>
    </message>
    <message>
        <source>Cannot save recipe</source>
        <translation>无法保存配方</translation>
    </message>
    <message>
        <source>Run %1 started: %2</source>
        <translation>运行 %1 已开始：%2</translation>
    </message>
    <message>
        <source>Cancelling run %1 after the current batch...</source>
        <translation>将在当前批次后取消运行 %1...</translation>
    </message>
    <message>
        <source>Run %1 cancelled.</source>
        <translation>运行 %1 已取消。</translation>
    </message>
    <message>
        <source>Run %1 finished in %2 s.</source>
        <translation>运行 %1 已完成，用时 %2 秒。</translation>
    </message>
    <message>
        <source>Run %1 failed: %2</source>
        <translation>运行 %1 失败：%2</translation>
    </message>
    <message>
        <source>Run failed</source>
        <translation>运行失败</translation>
    </message>
    <message>
        <source>Run %1</source>
        <translation>运行 %1</translation>
    </message>
    <message>
        <source>There is no run %1</source>
        <translation>不存在运行 %1</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Sensitivity measured in %1 s.</source>
        <translation>敏感度测量完成，用时 %1 秒。</translation>
    </message>
    <message>
        <source>Sensitivity analysis failed</source>
        <translation>敏感度分析失败</translation>
    </message>
    <message>
        <source>Per-layer ratios from the sensitivity view applied; press Run.</source>
        <translation>已应用敏感度视图给出的逐层比例；请点击“运行”。</translation>
    </message>
    <message>
        <source>%1 was not opened: what it takes was not said</source>
        <translation>未打开 %1：未说明其输入</translation>
    </message>
    <message>
        <source>Sweep %1: %2 of %3 tasks have results.</source>
        <translation>扫描 %1：%3 个任务中已有 %2 个有结果。</translation>
    </message>
    <message>
        <source>Cannot open sweep results</source>
        <translation>无法打开扫描结果</translation>
    </message>
    <message>
        <source>Watching sweep %1: no new results yet.</source>
        <translation>正在监视扫描 %1：尚无新结果。</translation>
    </message>
</context>
<context>
    <name>pare::ui::ModelInputsDialog</name>
    <message>
        <source>Model inputs</source>
        <translation>模型输入</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; has no Pare record (it was saved by PyTorch, not by Pare), so it does not say what it takes. Check what the data is converted to before the first evaluation; the answer is remembered for this file.</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; 没有 Pare 记录（由 PyTorch 而非 Pare 保存），因此未说明其输入。请在首次评估前确认数据将被转换成的形式；此文件会记住您的回答。</translation>
    </message>
    <message>
        <source>1 (grey)</source>
        <translation>1（灰度）</translation>
    </message>
    <message>
        <source>3 (RGB)</source>
        <translation>3（RGB）</translation>
    </message>
    <message>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <source>One value, or one per channel, subtracted from pixels in 0..1</source>
        <translation>一个值或每通道一个值，从 0..1 的像素中减去</translation>
    </message>
    <message>
        <source>One value, or one per channel, dividing the pixels after the mean</source>
        <translation>一个值或每通道一个值，减去均值后用于除像素</translation>
    </message>
    <message>
        <source>One class name per line, in the order of the model&apos;s outputs</source>
        <translation>每行一个类别名，按模型输出的顺序</translation>
    </message>
    <message>
        <source>Channels:</source>
        <translation>通道：</translation>
    </message>
    <message>
        <source>Height x width:</source>
        <translation>高 x 宽：</translation>
    </message>
    <message>
        <source>Mean:</source>
        <translation>均值：</translation>
    </message>
    <message>
        <source>Standard deviation:</source>
        <translation>标准差：</translation>
    </message>
    <message>
        <source>Class names:</source>
        <translation>类别名：</translation>
    </message>
    <message>
        <source>Mean: one number, or one per channel (%1)</source>
        <translation>均值：一个数，或每通道一个（%1）</translation>
    </message>
    <message>
        <source>Standard deviation: one positive number, or one per channel (%1)</source>
        <translation>标准差：一个正数，或每通道一个（%1）</translation>
    </message>
    <message>
        <source>Class names: one per line</source>
        <translation>类别名：每行一个</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; is an ONNX graph: it gives its input&apos;s size (proposed below) but not the normalization or the class names it was trained with. Check them before the first evaluation; the answer is remembered for this file.</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; 是 ONNX 计算图：它给出输入的尺寸（已在下方建议），但没有给出训练时使用的归一化参数和类别名称。请在第一次评估前检查它们；答案会为此文件记住。</translation>
    </message>
</context>
<context>
    <name>pare::ui::RunsController</name>
    <message>
        <source>evaluate only</source>
        <translation>仅评估</translation>
    </message>
    <message>
        <source>Run %1, step %2 of %3: %4</source>
        <translation>运行 %1，第 %2/%3 步：%4</translation>
    </message>
    <message>
        <source>, epoch %1/%2, loss %3, ETA %4 s</source>
        <translation>，轮次 %1/%2，损失 %3，剩余约 %4 秒</translation>
    </message>
</context>
<context>
    <name>pare::ui::RunsTableModel</name>
    <message>
        <source> (cancelled)</source>
        <translation>（已取消）</translation>
    </message>
    <message>
        <source> (running)</source>
        <translation>（运行中）</translation>
    </message>
    <message>
        <source> (failed)</source>
        <translation>（失败）</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Accuracy %</source>
        <translation>准确率 %</translation>
    </message>
    <message>
        <source>Drop (points)</source>
        <translation>下降（百分点）</translation>
    </message>
    <message>
        <source>Dense bytes</source>
        <translation>稠密字节数</translation>
    </message>
    <message>
        <source>TorchScript bytes</source>
        <translation>TorchScript 字节数</translation>
    </message>
    <message>
        <source>.pare bytes</source>
        <translation>.pare 字节数</translation>
    </message>
    <message>
        <source>Compression</source>
        <translation>压缩倍数</translation>
    </message>
    <message>
        <source>Non-zero params</source>
        <translation>非零参数</translation>
    </message>
    <message>
        <source>Latency b256 (ms)</source>
        <translation>延迟 b256（毫秒）</translation>
    </message>
    <message>
        <source>Time (s)</source>
        <translation>耗时（秒）</translation>
    </message>
</context>
<context>
    <name>pare::ui::SensitivityView</name>
    <message>
        <source>Measure sensitivity</source>
        <translation>测量敏感度</translation>
    </message>
    <message>
        <source>Prune each layer alone at 10-95% and quantize it alone at 8-2 bits, without fine-tuning, and measure the accuracy on the validation split.</source>
        <translation>分别对每一层单独以 10-95% 剪枝、以 8-2 位量化（不微调），并在验证集上测量准确率。</translation>
    </message>
    <message>
        <source>Apply suggested ratios</source>
        <translation>应用建议比例</translation>
    </message>
    <message>
        <source>share of the layer&apos;s weights pruned</source>
        <translation>该层被剪枝权重的比例</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>准确率 (%)</translation>
    </message>
    <message>
        <source>weight bits</source>
        <translation>权重位数</translation>
    </message>
    <message>
        <source>Measuring: every layer pruned and quantized alone...</source>
        <translation>正在测量：逐层单独剪枝和量化...</translation>
    </message>
    <message>
        <source>Press &quot;Measure sensitivity&quot; to see how much each layer can lose.</source>
        <translation>点击“测量敏感度”，查看每一层能承受多少压缩。</translation>
    </message>
    <message>
        <source>Baseline %1% on %2 validation images. </source>
        <translation>基线：%2 张验证图像上 %1%。</translation>
    </message>
    <message>
        <source>Suggested per-layer ratios for %1% overall: %2</source>
        <translation>总体 %1% 时建议的逐层比例：%2</translation>
    </message>
    <message>
        <source>Measuring: %1 of %2 points (every layer pruned and quantized alone)...</source>
        <translation>测量中：%2 个点中的第 %1 个（逐层单独剪枝和量化）……</translation>
    </message>
    <message>
        <source>Highlight layers</source>
        <translation>突出显示层</translation>
    </message>
    <message>
        <source>Layers whose path contains this text are drawn in colour; empty: the %1 most sensitive</source>
        <translation>路径包含此文本的层以彩色绘制；为空时：最敏感的 %1 层</translation>
    </message>
    <message>
        <source>Sampled to fit %1 s: %2 of %3 images, %4 ratios and %5 bit-widths. </source>
        <translation>为控制在 %1 秒内而抽样：%3 张图像中的 %2 张、%4 个比例和 %5 种位宽。</translation>
    </message>
    <message>
        <source>%1 of %2 layers in colour. </source>
        <translation>%2 层中有 %1 层以彩色显示。</translation>
    </message>
    <message>
        <source> and %1 more (tooltip)</source>
        <translation>，另有 %1 个（见提示）</translation>
    </message>
</context>
<context>
    <name>pare::ui::StudioExploration</name>
    <message>
        <source>No preview for these settings: %1</source>
        <translation>这些设置没有预览：%1</translation>
    </message>
    <message>
        <source>The search failed: %1</source>
        <translation>搜索失败：%1</translation>
    </message>
    <message>
        <source>Search %1 after %2 candidates in %3 s: run %4 wins, test %5% (%6 points, %7 the limit); its settings are in the controls.</source>
        <translation>搜索%1，共 %2 个候选，用时 %3 秒：运行 %4 胜出，测试集 %5%（%6 个百分点，%7上限内）；其设置已放入控件。</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>within</source>
        <translation>在</translation>
    </message>
    <message>
        <source>NOT within</source>
        <translation>不在</translation>
    </message>
    <message>
        <source>The search measured no candidate.</source>
        <translation>搜索没有测量任何候选。</translation>
    </message>
    <message>
        <source>Search started: at most %1 points below the baseline.</source>
        <translation>搜索已开始：最多比基线低 %1 个百分点。</translation>
    </message>
    <message>
        <source>Cancelling the search; its winner so far is confirmed on the test split...</source>
        <translation>正在取消搜索；目前的胜出者将在测试集上确认...</translation>
    </message>
    <message>
        <source>Search %1 after %2 candidates in %3 s: run %4 wins, test %5% (%6 points, %7 the limit); File &gt; Save Selected Run&apos;s Recipe writes its recipe.</source>
        <translation>搜索%1，共 %2 个候选，用时 %3 秒：运行 %4 胜出，测试集 %5%（%6 个百分点，%7上限内）；用“文件 &gt; 保存选中运行的配方”写出其配方。</translation>
    </message>
</context>
<context>
    <name>pare::ui::StudioMenus</name>
    <message>
        <source>Pare projects (*.pareproject)</source>
        <translation>Pare 项目 (*.pareproject)</translation>
    </message>
    <message>
        <source>Open model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>Open data set folder (IDX, CIFAR-10 or one folder per class)</source>
        <translation>打开数据集文件夹（IDX、CIFAR-10 或每类一个文件夹）</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Pare projects (*.pareproject);;All files (*)</source>
        <translation>Pare 项目 (*.pareproject);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>PNG image (*.png);;PDF document (*.pdf)</source>
        <translation>PNG 图像 (*.png);;PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>Export runs table</source>
        <translation>导出运行表</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Open recipe</source>
        <translation>打开配方</translation>
    </message>
    <message>
        <source>Recipes (*.json)</source>
        <translation>配方 (*.json)</translation>
    </message>
    <message>
        <source>Save recipe</source>
        <translation>保存配方</translation>
    </message>
    <message>
        <source>&amp;Open Model...</source>
        <translation>打开模型(&amp;O)...</translation>
    </message>
    <message>
        <source>Open &amp;Data Folder...</source>
        <translation>打开数据文件夹(&amp;D)...</translation>
    </message>
    <message>
        <source>Use &amp;Fashion-MNIST</source>
        <translation>使用 Fashion-MNIST(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New Project</source>
        <translation>新建项目(&amp;N)</translation>
    </message>
    <message>
        <source>Open &amp;Project...</source>
        <translation>打开项目(&amp;P)...</translation>
    </message>
    <message>
        <source>&amp;Save Project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <source>Save Project &amp;As...</source>
        <translation>项目另存为(&amp;A)...</translation>
    </message>
    <message>
        <source>&amp;Export Selected Run...</source>
        <translation>导出选中的运行(&amp;E)...</translation>
    </message>
    <message>
        <source>Export &amp;Chart (PNG, PDF)...</source>
        <translation>导出图表（PNG、PDF）(&amp;C)...</translation>
    </message>
    <message>
        <source>Export Runs &amp;Table (CSV)...</source>
        <translation>导出运行表（CSV）(&amp;T)...</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Load Recipe...</source>
        <translation>加载配方(&amp;L)...</translation>
    </message>
    <message>
        <source>&amp;Save Recipe As...</source>
        <translation>配方另存为(&amp;S)...</translation>
    </message>
    <message>
        <source>&amp;Reset Settings</source>
        <translation>重置设置(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;About Pare Studio</source>
        <translation>关于 Pare Studio(&amp;A)</translation>
    </message>
    <message>
        <source>Compress a copy of the model with the current settings (Ctrl+R)</source>
        <translation>用当前设置压缩模型的副本 (Ctrl+R)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Recent &amp;Models</source>
        <translation>最近的模型(&amp;M)</translation>
    </message>
    <message>
        <source>New from &amp;Architecture (untrained)</source>
        <translation>从架构新建（未训练）(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Size Axis</source>
        <translation>大小坐标轴(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>About Pare Studio</source>
        <translation>关于 Pare Studio</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Pare Studio %1&lt;/h3&gt;&lt;p&gt;Prune, distill and quantize neural networks, and see the trade-off between accuracy and size.&lt;/p&gt;&lt;p&gt;%2&lt;br&gt;Qt %3&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Pare Studio %1&lt;/h3&gt;&lt;p&gt;对神经网络进行剪枝、蒸馏和量化，并直观地看到准确率与大小之间的权衡。&lt;/p&gt;&lt;p&gt;%2&lt;br&gt;Qt %3&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Model &amp;Inputs...</source>
        <translation>模型输入(&amp;I)...</translation>
    </message>
    <message>
        <source>What a model saved without a Pare record takes: input size, normalization, class names</source>
        <translation>没有 Pare 记录的模型的输入：输入尺寸、归一化、类别名</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Select a finished run first (click its point or its row).</source>
        <translation>请先选择一个已完成的运行（点击其数据点或表格行）。</translation>
    </message>
    <message>
        <source>Model inputs</source>
        <translation>模型输入</translation>
    </message>
    <message>
        <source>This model&apos;s own record says what it takes; inputs are set here only for a model saved without one.</source>
        <translation>该模型自带记录说明其输入；只有保存时没有记录的模型才在此设置输入。</translation>
    </message>
    <message>
        <source>&amp;Explore...</source>
        <translation>探索(&amp;E)...</translation>
    </message>
    <message>
        <source>Search for the smallest model within an accuracy limit: candidates screened one-shot, the promising ones fine-tuned (Ctrl+Shift+R)</source>
        <translation>在准确率限制内搜索最小的模型：候选先一次性筛选，有希望的再微调 (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <source>Stop the run or the search within one batch (Esc)</source>
        <translation>在一个批次内停止运行或搜索 (Esc)</translation>
    </message>
    <message>
        <source>Save Selected Run&apos;s &amp;Recipe...</source>
        <translation>保存选中运行的配方(&amp;R)...</translation>
    </message>
    <message>
        <source>Open sweep results (the --out folder of pare sweep run)</source>
        <translation>打开扫描结果（pare sweep run 的 --out 文件夹）</translation>
    </message>
    <message>
        <source>Open S&amp;weep Results...</source>
        <translation>打开扫描结果(&amp;W)...</translation>
    </message>
    <message>
        <source>Put the results of a sweep (pare sweep run --out FOLDER) on the chart and in the runs table, and keep watching the folder while the sweep fills it</source>
        <translation>将扫描（pare sweep run --out 文件夹）的结果放到图表和运行表中，并在扫描写入时持续监视该文件夹</translation>
    </message>
    <message>
        <source>Models (*.pt *.pth *.pare *.onnx);;All files (*)</source>
        <translation>模型 (*.pt *.pth *.pare *.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open a TorchScript (.pt), .pare or ONNX (.onnx) model, or a zoo architecture. A TorchScript file is code that runs when it is evaluated: open only models you trust</source>
        <translation>打开 TorchScript (.pt)、.pare 或 ONNX (.onnx) 模型，或模型库中的架构。TorchScript 文件是代码，评估时会运行：只打开您信任的模型</translation>
    </message>
</context>
<context>
    <name>pare::ui::SweepResultsWatcher</name>
    <message>
        <source>sweep %1 task %2: %3</source>
        <translation>扫描 %1 任务 %2：%3</translation>
    </message>
</context>
<context>
    <name>pare::ui::ViewTabs</name>
    <message>
        <source>Accuracy vs size</source>
        <translation>准确率与大小</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <source>Layer sparsity</source>
        <translation>逐层稀疏度</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Sensitivity</source>
        <translation>敏感度</translation>
    </message>
    <message>
        <source>Size axis:</source>
        <translation>大小坐标轴：</translation>
    </message>
    <message>
        <source>Dense fp32 (4 bytes per parameter)</source>
        <translation>稠密 fp32（每个参数 4 字节）</translation>
    </message>
    <message>
        <source>TorchScript file</source>
        <translation>TorchScript 文件</translation>
    </message>
    <message>
        <source>.pare file</source>
        <translation>.pare 文件</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
</context>
<context>
    <name>pare::ui::WeightView</name>
    <message>
        <source>input (convolutions: input channel x kernel column)</source>
        <translation>输入（卷积：输入通道 × 卷积核列）</translation>
    </message>
    <message>
        <source>output (convolutions: filter x kernel row)</source>
        <translation>输出（卷积：滤波器 × 卷积核行）</translation>
    </message>
    <message>
        <source>weight value (zeros left out)</source>
        <translation>权重值（不含零值）</translation>
    </message>
    <message>
        <source>weights</source>
        <translation>权重数</translation>
    </message>
    <message>
        <source>before</source>
        <translation>压缩前</translation>
    </message>
    <message>
        <source>after</source>
        <translation>压缩后</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;: %2 weights, %3 non-zero (grey: pruned)</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;：%2 个权重，%3 个非零（灰色：已剪枝）</translation>
    </message>
    <message>
        <source>; %1 of %2 filters kept (structured pruning)</source>
        <translation>；保留 %1 / %2 个滤波器（结构化剪枝）</translation>
    </message>
    <message>
        <source>; %1 distinct non-zero values (dashed lines)</source>
        <translation>；%1 个不同的非零值（虚线）</translation>
    </message>
    <message>
        <source>; the histogram counts every %1th weight (%2 of them)</source>
        <translation>；直方图每 %1 个权重统计一个（共 %2 个）</translation>
    </message>
    <message>
        <source>; the heat-map shows %1x%1 blocks by their largest weight: zoom in for every weight</source>
        <translation>；热图以 %1x%1 块中绝对值最大的权重显示：放大可查看每个权重</translation>
    </message>
</context>
<context>
    <name>pare::ui::WeightsPage</name>
    <message>
        <source>%1, run %2</source>
        <translation>%1，运行 %2</translation>
    </message>
    <message>
        <source>Layer:</source>
        <translation>层：</translation>
    </message>
</context>
<context>
    <name>pare::ui::WorkspacePanel</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Data set</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; (%2)&lt;br&gt;%3 layers with weights, %4 parameters, %5 MACs per image&lt;br&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (%2)&lt;br&gt;%3 个带权重的层，%4 个参数，每张图像 %5 次乘加&lt;br&gt;</translation>
    </message>
    <message>
        <source>%1 bytes on disk</source>
        <translation>磁盘上 %1 字节</translation>
    </message>
    <message>
        <source>built from the zoo, untrained</source>
        <translation>由模型库构建，未训练</translation>
    </message>
    <message>
        <source>&lt;br&gt;baseline test accuracy %1%, latency %2 ms at batch 256</source>
        <translation>&lt;br&gt;基线测试准确率 %1%，批大小 256 时延迟 %2 毫秒</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; (%2)&lt;br&gt;%3 classes; %4 training, %5 validation, %6 test images of %7</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (%2)&lt;br&gt;%3 个类别；%4 张训练、%5 张验证、%6 张测试图像，尺寸 %7</translation>
    </message>
    <message>
        <source>&lt;br&gt;no Pare record: reads %1x%2x%3 as set in Edit &gt; Model Inputs</source>
        <translation>&lt;br&gt;没有 Pare 记录：按“编辑 &gt; 模型输入”中的设置读取 %1x%2x%3</translation>
    </message>
</context>
</TS>
