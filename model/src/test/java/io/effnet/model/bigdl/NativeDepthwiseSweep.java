package io.effnet.model.bigdl;

/**
 * Manual check, not a unit test (it needs the MKL-DNN engine and runs for a minute at larger sizes): which depthwise
 * configurations MKL-DNN computes wrong ({@link NativeDepthwiseCheck}), for kernels 3 and 5 and strides 1 and 2 at
 * every input size from 1 to a maximum. From the worktree, with the test classpath in model/target/cp.txt
 * ({@code mvn -B -q -o -pl model test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * -Dmdep.includeScope=test}, run in model/):
 *
 * <pre>
 * MKL_DEBUG_CPU_TYPE=5 java $(grep '^jvm.flags=' conf/runtime.properties | cut -d= -f2-) -Dbigdl.engineType=mkldnn \
 *     -cp model/target/test-classes:model/target/classes:$(cat model/target/cp.txt) \
 *     io.effnet.model.bigdl.NativeDepthwiseSweep CHANNELS BATCH MAX_SIZE
 * </pre>
 *
 * On this machine (16 channels, batch 2, sizes to 240): 3x3 wrong at 2 (stride 1) and at 2, 3, 32, 62, ..., 212
 * (stride 2); 5x5 never.
 */
public final class NativeDepthwiseSweep {
  private NativeDepthwiseSweep() {}

  public static void main(String[] args) {
    int channels = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int maxSize = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    for (int kernel : new int[] {3, 5}) {
      for (int stride : new int[] {1, 2}) {
        StringBuilder wrong = new StringBuilder();
        for (int size = 1; size <= maxSize; size++) {
          NativeDepthwiseCheck c = NativeDepthwiseCheck.run(channels, kernel, stride, size, batch, size * 31L + kernel);
          if (!c.agrees()) {
            wrong.append(' ').append(size);
            System.out.println("  kernel " + kernel + " stride " + stride + " size " + size + ": " + c);
          }
        }
        System.out.println("channels " + channels + " batch " + batch + " kernel " + kernel + " stride " + stride
            + " wrong at sizes:" + wrong);
      }
    }
  }
}
