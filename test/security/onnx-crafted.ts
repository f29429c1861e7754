/**
 * Hand-built ONNX models whose tensors keep their data in external files, one per place ONNX allows a tensor:
 * a graph initializer, a Constant node's attribute, a sparse initializer and an initializer inside an If
 * node's subgraph. A loader must refuse each before onnxruntime can open the file it names.
 */
import { ProtoWriter } from '../../lib/model/protobuf';

const FLOAT = 1;
const ATTRIBUTE_TENSOR = 4;
const ATTRIBUTE_GRAPH = 5;

/** Where an external tensor sits in a crafted model. */
export const ExternalTensorPlace = {
  initializer: 'initializer',
  constantNode: 'constantNode',
  sparseInitializer: 'sparseInitializer',
  subgraph: 'subgraph',
} as const;
/** One place of an external tensor. */
export type ExternalTensorPlaceName = (typeof ExternalTensorPlace)[keyof typeof ExternalTensorPlace];

/** A float tensor `W` of one element whose data lies at `location` (data_location = EXTERNAL). */
function externalTensor(t: ProtoWriter, name: string, location: string): void {
  t.packedInts(1, [1]).int(2, FLOAT).string(8, name);
  t.message(13, (e) => e.string(1, 'location').string(2, location));
  t.message(13, (e) => e.string(1, 'offset').string(2, '0'));
  t.message(13, (e) => e.string(1, 'length').string(2, '4'));
  t.int(14, 1);
}

function valueInfo(v: ProtoWriter, name: string): void {
  v.string(1, name);
  v.message(2, (type) => type.message(1, (tt) => tt.int(1, FLOAT).message(2, (s) => s.message(1, (d) => d.int(1, 1)))));
}

function addNode(g: ProtoWriter, output: string): void {
  g.message(1, (n) => n.string(1, 'X').string(1, 'W').string(2, output).string(3, 'add').string(4, 'Add'));
}

/** The graph of a crafted model: `Y = X + W`, with `W` external at `location` in the given place. */
function graph(g: ProtoWriter, place: ExternalTensorPlaceName, location: string): void {
  if (place === ExternalTensorPlace.constantNode) {
    g.message(1, (n) =>
      n
        .string(2, 'W')
        .string(3, 'const')
        .string(4, 'Constant')
        .message(5, (a) =>
          a
            .string(1, 'value')
            .message(5, (t) => externalTensor(t, 'W', location))
            .int(20, ATTRIBUTE_TENSOR),
        ),
    );
  }
  if (place === ExternalTensorPlace.subgraph) {
    const branch = (b: ProtoWriter) => {
      addNode(b, 'Y_branch');
      b.string(2, 'branch');
      b.message(5, (t) => externalTensor(t, 'W', location));
      b.message(12, (v) => valueInfo(v, 'Y_branch'));
    };
    g.message(1, (n) =>
      n
        .string(1, 'C')
        .string(2, 'Y')
        .string(3, 'if')
        .string(4, 'If')
        .message(5, (a) => a.string(1, 'then_branch').message(6, branch).int(20, ATTRIBUTE_GRAPH))
        .message(5, (a) => a.string(1, 'else_branch').message(6, branch).int(20, ATTRIBUTE_GRAPH)),
    );
  } else {
    addNode(g, 'Y');
  }
  g.string(2, 'crafted');
  if (place === ExternalTensorPlace.initializer) g.message(5, (t) => externalTensor(t, 'W', location));
  if (place === ExternalTensorPlace.sparseInitializer) {
    g.message(15, (s) =>
      s
        .message(1, (t) => externalTensor(t, 'W', location))
        .message(2, (i) => i.packedInts(1, [1]).int(2, 7).string(8, 'W_indices').packedInts(7, [0]))
        .packedInts(3, [1]),
    );
  }
  g.message(11, (v) => valueInfo(v, 'X'));
  if (place === ExternalTensorPlace.subgraph) {
    g.message(11, (v) => {
      v.string(1, 'C');
      v.message(2, (type) => type.message(1, (tt) => tt.int(1, 9).message(2, () => undefined)));
    });
  }
  g.message(12, (v) => valueInfo(v, 'Y'));
}

/** ONNX bytes of a model with an external tensor at `location`, placed as `place` says. */
export function modelWithExternalTensor(place: ExternalTensorPlaceName, location: string): Uint8Array {
  return new ProtoWriter()
    .int(1, 8)
    .string(2, 'security-test')
    .message(7, (g) => graph(g, place, location))
    .message(8, (o) => o.int(2, 13))
    .finish();
}
